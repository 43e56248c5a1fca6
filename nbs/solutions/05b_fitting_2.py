# Notebook 05b_fitting, exercise 2: a worked solution. Try your own first; the check under the exercise tells you.
lr_epoch4 = 2e-4 * (1 - (4 + 1 - 3) / (3 + 1))
