"""Questions a patient or clinic might ask: the benchmark's latency workload (ours and the peer's)."""

QUESTIONS = [
    "Does ketamine help PTSD?",
    "What did the 2021 trial of repeated ketamine infusions find?",
    "How many infusions did people get in the Feder trial?",
    "How long does the benefit of ketamine last for PTSD?",
    "What was the placebo in the ketamine PTSD trials?",
    "Did the VA trial of ketamine for veterans with PTSD work?",
    "What are the side effects of ketamine infusions?",
    "Is esketamine approved for PTSD?",
    "What is Spravato and who can get it?",
    "Why do patients need to be monitored after a Spravato dose?",
    "How might ketamine work in the brain?",
    "What do meta-analyses say about ketamine for PTSD?",
    "Can ketamine cause dissociation?",
    "Is ketamine a cure for PTSD?",
    "What does response mean in these studies?",
    "Who should not take esketamine?",
    "Does ketamine raise blood pressure?",
    "Are the popular claims about ketamine and trauma accurate?",
    "How quickly does ketamine start to work?",
    "Can ketamine affect the bladder?",
]
