# Notebook 05_training, exercise 1: a worked solution. Try your own first; the check under the exercise tells you.
import copy
Ax, Bx = small.one_batch()
def D_grads_after_ge_backward(freeze):
    "Gradient entries on D's and D2's weights after G/E's backward, and their total absolute value."
    m1 = copy.deepcopy(model)
    set_requires_grad([m1.D, m1.D2], not freeze)
    for p in m1.parameters(): p.grad = None
    sum(ge_losses(m1, bicycle_forward(m1, Ax, Bx, recipe), recipe).values()).backward()
    gs = [p.grad for net in (m1.D, m1.D2) for p in net.parameters() if p.grad is not None]
    return sum(g.numel() for g in gs), sum(g.abs().sum().item() for g in gs)
(n_frozen, _), (n_unfrozen, D_grad) = D_grads_after_ge_backward(True), D_grads_after_ge_backward(False)
# the second half of bicycle_step calls opt.zero_grad() for D and D2 before their own backward: the stray
# gradient is discarded (the official update_D does the same), so D's step is the same either way. The freeze
# saves work: backward skips computing these entries (the gradients still flow *through* D to G).
freeze_is_for = 'work'
