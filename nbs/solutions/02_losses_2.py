# Notebook 02_losses, exercise 2: a worked solution. Try your own first; the check under the exercise tells you.
def kl_mean(mu, logvar): return torch.mean(1 + logvar - mu.pow(2) - logvar.exp()) * -0.5
