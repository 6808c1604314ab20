"""Provider knowledge: what each provider's permissions are called and what they act on."""
