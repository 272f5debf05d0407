"""Software references for the accelerator (DESIGN.md section 4).

The golden reference (PyTorch fp32 / llama2.c runq Q8_0), checkpoint and tokenizer I/O, the
sampler and perplexity evaluation. Nothing here imports the host runner, the testbenches or
any device: the reference never knows who is being checked against it.
"""
