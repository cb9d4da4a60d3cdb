"""TinyLoRA ("Learning to Reason in 13 Parameters", arXiv 2602.04118): our own store, skeleton and layers.

We keep PEFT's math (delta W = B R A with R = sum_i v_i P_i, A/B from the rank-r SVD of W, P seeded per module)
and its grouping rule, so adapters convert both ways exactly, but depart from PEFT in three places:
  - the frozen skeleton (A, B, P) is computed once per base model, with canonical SVD signs, cached and shared
    by every department, instead of being stored inside every adapter (2.5 MB -> under 1 KB per adapter);
  - all departments' adapters sit on one base model and switching is a pointer swap (no module walk);
  - an adapter file carries fingerprints of the base model and of the skeleton, and loading refuses a mismatch.
"""
