#!/usr/bin/env bash
# Placeholder until the reference installer lands.
exit 0
