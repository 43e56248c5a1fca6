# Notebook 04_clr_gan, exercise 2: a worked solution. Try your own first; the check under the exercise tells you.
used = int((r > 0.5).sum())
best = int(r.argmax())
codes = torch.zeros(3, 8); codes[:, best] = torch.tensor([-2., 0., 2.])
with torch.no_grad(): imgs = trained.G(A1[:1].expand(3, -1, -1, -1), codes)
names = [MODE_NAMES[m] if d <= 60 else 'blend' for m, d in map(classify_mode, imgs)]
# 3 of 8 dimensions have r > 0.5; -2, 0, 2 along the best one give blue, a blend near brown, and yellow
