"""Platform adapters: parse what arrives, hand it to the core, render the Reply."""
