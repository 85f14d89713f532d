"""``SensorNetClassifier`` and its plumbing: in-memory data on the device, device and
precision choices, targets and class weights, CPU threads, progress, augmentation, and
multi-GPU training through Accelerate."""
