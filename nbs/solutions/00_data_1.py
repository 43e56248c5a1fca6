# Notebook 00_data, exercise 1: a worked solution. Try your own first; the check under the exercise tells you.
def l1_answer(Bs): return np.median(np.asarray(Bs, np.float32), axis=0)   # per pixel and channel: L1's minimiser is a median
med = l1_answer(np.stack([np.asarray(b) for _, b in pairs]))             # [64, 64, 3]
med_mode, med_dist = classify_mode(med)
# MODE_NAMES[med_mode], med_dist: grey, 59.7 away: a dull grey-brown that only just passes the <= 60 rule as grey.
# With ten answers, any value between the 5th and 6th of each channel costs the same L1: here the box from
# (125, 90, 65) to (150, 130, 150). np.median takes its midpoint; torch.median takes the lower end, (125, 90, 65),
# a brown 38 away from the palette's brown. On a grid over the whole box, 44 % of the points are grey by the <= 60
# rule, 13 % brown, 42 % blends and under 1 % purple: an L1 network paints every outline a dull grey, brown or a
# mixture of them, and never red, green, blue, yellow, magenta, cyan or orange. (The mean lies in the box too, by
# chance: the check's five-image case, three reds out of five, is one where the mean is not an L1 answer.)
