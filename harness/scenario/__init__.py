"""Scenarios: YAML flows (Maestro's commands plus the harness's own) replayed under consent variants.

    model.py     Scenario / Variant / Step: what the runner executes (one normal form per command)
    load.py      load_scenario / validate / select_variants: a YAML file into a Scenario, every
                 problem as FILE:LINE:COL; the top-level keys
      source.py      bounded YAML reading (size, depth, alias expansion) with node marks
      reader.py      typed reads of nodes, each problem located; env.py: ${NAME} parameters
      flows.py       command lists, runFlow/repeat/retry, Maestro flow files
      maestro.py     Maestro's commands (and those refused); harness_steps.py: idle, consentUi,
                     grant/revoke/appops/setting, shell; command_input.py: what builders share
      selectors.py   selectors, points, conditions; names.py: permissions, app-ops, settings...
      variants.py    the consent variants; sections.py: canaries and expect
      defaults.py    the Maestro-like defaults filled into the normal form
    schema.py    the shipped JSON Schema (scenario.schema.json); cli.py: harness validate / schema
"""
