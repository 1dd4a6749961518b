"""peft 0.21's X-LoRA expert loader (peft.tuners.xlora.model._load_adapter_into_lora_model) strips each saved key
down to its first "model.<not model>" and puts "model." in front, so every key becomes "model.model.<...>": right for
Llama's LlamaForCausalLM.model, wrong for GPT-2's GPT2LMHeadModel.transformer, where it fails with "Got unexpected
keys!". Importing this module maps model.model.transformer. back to model.transformer. before peft's
set_peft_model_state_dict, as the loader meant; nothing else of X-LoRA changes."""
import peft.tuners.xlora.model as _xlora_model

_set_state_dict = _xlora_model.set_peft_model_state_dict


def _gpt2_keys(model, state_dict, **kwargs):
    fixed = {k.replace("model.model.transformer.", "model.transformer.", 1): v for k, v in state_dict.items()}
    return _set_state_dict(model, fixed, **kwargs)


if getattr(_xlora_model.set_peft_model_state_dict, "__name__", "") != "_gpt2_keys":
    _xlora_model.set_peft_model_state_dict = _gpt2_keys
