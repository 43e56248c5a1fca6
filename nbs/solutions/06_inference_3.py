# Notebook 06_inference, exercise 3: a worked solution. Try your own first; the check under the exercise tells you.
torch.manual_seed(0)
z0, z1 = torch.randn(1000, 8), torch.randn(1000, 8)
prior = z0.norm(dim=-1).mean().item()
lerp_mid = interpolate(z0, z1, 3)[1].norm(dim=-1).mean().item()            # steps=3: z0, the midpoint, z1
slerp_mid = interpolate(z0, z1, 3, 'slerp')[1].norm(dim=-1).mean().item()
# about 2.75, 1.94 and 2.81: lerp's midpoint has 1/sqrt(2) of a typical norm, slerp's keeps it
