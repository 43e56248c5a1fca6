# Notebook 02_losses, exercise 1: a worked solution. Try your own first; the check under the exercise tells you.
zeros = [torch.zeros(1, 1, 6, 6), torch.zeros(1, 1, 3, 3)]          # two scales, scores 0
g_at_init = gan_loss(zeros, True).item()                              # (0 - 1)^2 per scale, two scales: 2
d_at_init = gan_loss(zeros, False).item() + gan_loss(zeros, True).item()   # fake 0 + real 2
