"""Training curricula: modules, assessments, trainings, scores, certificates, adoption."""
