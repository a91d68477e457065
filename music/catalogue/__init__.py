"""Reading track catalogues: plain Python (no Django), used by the import command,
the admin upload, the mood evaluation and the mood training script."""
