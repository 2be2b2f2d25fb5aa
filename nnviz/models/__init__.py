"""Pure nn.Modules, no plotting imports. They expose internals on purpose (flags, hooks)."""
