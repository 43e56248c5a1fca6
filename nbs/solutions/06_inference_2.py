# Notebook 06_inference, exercise 2: a worked solution. Try your own first; the check under the exercise tells you.
zB = encode(trained, B)                              # [5, 8]: the encoder's mean for each target
rec = sample(trained, A, n=1, z=zB[:, None])[:, 0]    # z given as [N, n, nz]: one code per input
