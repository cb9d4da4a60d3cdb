"""Training department adapters: task sets, reward functions and GRPO."""
