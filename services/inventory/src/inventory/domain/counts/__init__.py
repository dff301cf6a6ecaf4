"""Cycle counts: a snapshot of one bin, counted by a person, whose variances become pending adjustments."""
