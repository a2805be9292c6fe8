/* dashboard script: see docs/dashboard.md */
