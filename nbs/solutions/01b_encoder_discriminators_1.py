# Notebook 01b_encoder_discriminators, exercise 1: a worked solution. Try your own first; the check under the exercise tells you.
E, G = ResnetE(3, nz=8, nef=8, size=32), UnetG(3, 3, nz=8, ngf=8, size=32)
A, B = torch.randn(4, 3, 32, 32), torch.randn(4, 3, 32, 32)
mu, logvar = E(B)                                   # a Gaussian over z for each image: mean and log-variance, [4, 8] each
eps = torch.randn_like(mu)
z = mu + torch.exp(logvar / 2) * eps                # sigma = exp(logvar / 2)
B_hat = G(A, z)
