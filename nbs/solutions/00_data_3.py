# Notebook 00_data, exercise 3: a worked solution. Try your own first; the check under the exercise tells you.
three = write_shapes(tmp_root/'three', n_train=30, n_valid=0, size=32, n_modes=3)
counts = np.bincount(list(read_modes(three).values())).tolist()
# counts is [10, 10, 10]: the first three palette colours (MODE_NAMES[:3]), exactly balanced
