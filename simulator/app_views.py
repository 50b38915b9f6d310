"""Former home of the educator app's logic and pictures, kept so that existing imports
work: the classroom logic now lives in :mod:`simulator.classroom` and the pictures in
:mod:`simulator.app_pictures`."""

from __future__ import annotations

from .app_pictures import (CHURNED_COLOUR, GENERATION_COLOURS, ORGANIC_COLOUR, OTHER_DESIGN_COLOUR,
                           PROSPECT_COLOUR, REFERRED_COLOUR, adoption_legend_html, adoption_option, generations_option,
                           layout_iterations, network_layout, network_legend_html, network_picture, new_adopters_option)
from .classroom import (CLASS_SIZE, DEGREE_RANGE, INCENTIVE_KINDS, K_WINDOW_DAYS, NETWORK_KINDS,
                        SIZE_RANGE, TIMING_KINDS, ClassRun, Design, Frame, KReading, NetworkChoice, classroom_k,
                        classroom_scenario, generation_ratios, generation_sizes, k_explanation, nps_shares, preset_files,
                        referral_generations, referral_multiplier, verdict)

__all__ = ["CHURNED_COLOUR", "GENERATION_COLOURS", "ORGANIC_COLOUR", "OTHER_DESIGN_COLOUR", "PROSPECT_COLOUR",
           "REFERRED_COLOUR", "adoption_legend_html", "adoption_option", "generations_option", "layout_iterations",
           "network_layout", "network_legend_html", "network_picture", "new_adopters_option", "CLASS_SIZE",
           "DEGREE_RANGE", "INCENTIVE_KINDS", "K_WINDOW_DAYS", "NETWORK_KINDS", "SIZE_RANGE", "TIMING_KINDS", "ClassRun",
           "Design", "Frame", "KReading", "NetworkChoice", "classroom_k", "classroom_scenario", "generation_ratios",
           "generation_sizes", "k_explanation", "nps_shares", "preset_files", "referral_generations",
           "referral_multiplier", "verdict"]
