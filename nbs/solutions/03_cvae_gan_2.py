# Notebook 03_cvae_gan, exercise 2: a worked solution. Try your own first; the check under the exercise tells you.
torch.manual_seed(0)                                                          # repeatable noise
with torch.no_grad():
    mu_tr, logvar_tr = trained.E(B)
    out_mu = trained.G(A, mu_tr)
    z_sampled = reparameterise(mu_tr, logvar_tr, torch.randn_like(mu_tr))     # mu + exp(logvar / 2) * eps
    out_sampled = trained.G(A, z_sampled)
    out_prior = trained.G(A, torch.randn_like(mu_tr))
d_sampled, d_prior = (out_sampled - out_mu).abs().mean().item(), (out_prior - out_mu).abs().mean().item()
# about 0.01 against 0.08: sampling around mu barely changes the image, a random code changes it eightfold more
# The sampled code's image barely moves because the trained encoder's sigma is small (print (0.5 * logvar_tr).exp()):
# far below the prior's 1. That is the KL's other side (notebook 02): it pulls sigma towards 1, the L1 pulls it down.
