# Notebook 03_cvae_gan, exercise 1: a worked solution. Try your own first; the check under the exercise tells you.
def kl_by_hand(mu, logvar):
    var = logvar.exp()
    return 0.5 * (mu ** 2 + var - 1 - logvar).sum()   # σ² pushes σ down, -log σ² pushes it up: the minimum is σ = 1
