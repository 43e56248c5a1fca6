# Notebook 06_inference, exercise 1: a worked solution. Try your own first; the check under the exercise tells you.
outs = sample(trained, A[:1], n=10, seed=0)[0]     # [10, 3, 64, 64]: one input, ten codes
named = [classify_mode(o) for o in outs]           # (nearest palette colour, its distance)
modes = torch.tensor([m if d <= 60 else -1 for m, d in named])
# to look at them: show_row(outs, [MODE_NAMES[m] if m >= 0 else 'blend' for m in modes.tolist()], plt.subplots(1, 10, figsize=(11, 1.5))[1])
