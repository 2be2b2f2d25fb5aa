"""torch + numpy only: device choice, seeding, slider metadata on configs, the generic fit loop."""
