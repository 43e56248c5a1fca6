# Notebook 05b_fitting, exercise 1: a worked solution. Try your own first; the check under the exercise tells you.
l2 = official_learner(dls, ngf=4, nef=4, ndf=4)
n_opt = sum(p.numel() for pg in l2.opt.param_lists for p in pg)
count = lambda net: sum(p.numel() for p in net.parameters())
