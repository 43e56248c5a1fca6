# Notebook 01_models, exercise 1: a worked solution. Try your own first; the check under the exercise tells you.
nz, ngf, levels = 8, 8, unet_levels(64)                      # 6 levels: 64 -> 1
outs = [ngf * min(2 ** i, 8) for i in range(levels)]          # [8, 16, 32, 64, 64, 64]
img_in = [3] + outs[:-1]                                      # what each down conv gets from the level above
in_all = [c + nz for c in img_in]                             # + 8 z channels at every level
in_input = [img_in[0] + nz] + img_in[1:]                      # + 8 z channels at the top only
extra = sum(nz * 16 * o for o in outs[1:])                    # z channels x 4x4 kernel x outputs, levels 1..5
