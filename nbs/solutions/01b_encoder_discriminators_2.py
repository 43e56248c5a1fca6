# Notebook 01b_encoder_discriminators, exercise 2: a worked solution. Try your own first; the check under the exercise tells you.
def conv_out(n, k=4, s=2, p=1): return (n + 2 * p - k) // s + 1
def patch_side(n, n_layers=2):
    for _ in range(n_layers): n = conv_out(n)            # the stride-2 convolutions
    return conv_out(conv_out(n, s=1), s=1)               # a stride-1 convolution, then the 1-channel score layer
sides = [patch_side(64), patch_side(conv_out(64, k=3, s=2, p=1))]   # full resolution, then average-pooled
