#!/usr/bin/env python3
"""Reference CTC losses and gradients from an independent implementation (optax.ctc_loss on JAX, float64).

Writes Tests/StenoCTCTests/Fixtures/ctc_reference.json, which StenoCTCTests compares against.
Run by hand once (pip install jax optax); the library never calls it.
Logits are generated here from a fixed seed and stored in the fixture, so Swift needs no matching generator.
"""
import json
import os

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

CASES = [
    # (frames, classes, targets, blank)
    (6, 5, [1, 2, 3], 0),
    (8, 5, [2, 2, 4], 0),
    (5, 4, [], 0),
    (12, 29, [8, 5, 12, 12, 15], 0),
    (30, 29, [20, 8, 5, 28, 3, 1, 20, 28, 19, 1, 20], 0),
    (7, 6, [0, 1, 1], 5),
]


def reference(logits, targets, blank):
    frames, classes = logits.shape

    def loss_of(x):
        labels = jnp.array([targets if targets else [0]], dtype=jnp.int32)
        label_pad = jnp.array([[0.0] * len(targets) if targets else [1.0]])
        return optax.ctc_loss(x[None], jnp.zeros((1, frames)), labels, label_pad, blank_id=blank)[0]

    value, grad = jax.value_and_grad(loss_of)(jnp.array(logits))
    return float(value), np.asarray(grad).ravel().tolist()


def main():
    rng = np.random.default_rng(2026)
    cases = []
    for frames, classes, targets, blank in CASES:
        logits = rng.normal(0, 2, size=(frames, classes))
        loss, grad = reference(logits, targets, blank)
        cases.append({
            "frames": frames, "classes": classes, "targets": targets, "blank": blank,
            "logits": logits.ravel().tolist(), "loss": loss, "gradient": grad,
        })
    out = os.path.join(os.path.dirname(__file__), "..", "Tests", "StenoCTCTests", "Fixtures", "ctc_reference.json")
    with open(out, "w") as f:
        json.dump({"source": f"optax {optax.__version__} ctc_loss, jax {jax.__version__}, float64", "cases": cases}, f)
    print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
