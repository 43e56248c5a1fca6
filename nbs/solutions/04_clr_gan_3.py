# Notebook 04_clr_gan, exercise 3: a worked solution. Try your own first; the check under the exercise tells you.
mean_of = lambda k, m: np.mean([r[m] for r in cyc['runs'][k]])
E_reads_more = mean_of('paper:bicycle', 'z_recovery_l1') - mean_of('paper:bicycle+zE', 'z_recovery_l1') > 0.03   # True: 0.71 -> 0.67
more_control = mean_of('paper:bicycle+zE', 'z_consistency') - mean_of('paper:bicycle', 'z_consistency') > 0.05   # False: 0.88 -> 0.90
# (On the two seeds both rows share, 0 and 1, control is 0.87 -> 0.90: 0.033, still within two seed spreads.)
# A trained E reads more of z back (it is trained to), but the colour a code gives is no more consistent: the lower
# latent error is not more control. The paper's worry is the reverse case, a lower error with *less* control (a code
# hidden where no one looks); on the shapes at this budget neither happens, so this data cannot show why E is frozen.
