"""The rule tables of the safety screen (data only; the logic that reads them is bot/safety/screen.py).

Every pattern is matched against text that bot.safety.normalize has already rewritten: lower case,
no accents, no apostrophes, contractions expanded ("i am", "do not", "cannot"), slang and
typos mapped to plain words ("kms" -> "kill myself"). Each row of a table is
``(rule_id, compiled pattern)``; the rule id is what bot.safety.screen writes into Route.reason,
so ids are stable names, and several rows may share one id (a family of paraphrases).

Families, in the order bot.safety.screen reads them:
    MASKS            benign spans blanked before the crisis tables run (idioms, negations,
                     research and reported phrasing, habitual symptoms, generic questions)
    PAST_*           past suicidal or self-harm history, and words that say it is back
    CRISIS_STRONG    crisis wherever it appears (after masks)
    CRISIS_FP        crisis only in a clause about the writer (i, me, my, myself)
    MEANS_*, DISTRESS, SOFT_PASSIVE, INTENT_TAIL, DEFLECT*
                     signals the conversation window combines across turns
    SESSION*, CLINIC_SYMPTOMS, GENERIC_EFFECT_Q
                     clinic: a symptom during or after a treatment session
    DIRECTIVE_VERB, BOUNDARY_RULES, BOUNDARY_CUE, FICTION*
                     boundary: personal directives, illicit acquisition or misuse, jailbreaks
    IN_SCOPE, OUT_OF_SCOPE_TOPICS
                     scope
    SPANISH_WORDS, ENGLISH_WORDS
                     the cheap language check
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _table(rows: Sequence[tuple[str, str]]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((rule_id, _rx(p)) for rule_id, p in rows)


# ---------------------------------------------------------------------------------------
# Vocabulary shared by the tables (all matched against normalised text: lower case, no
# accents, no apostrophes, contractions expanded: "i am", "do not", "cannot").
# ---------------------------------------------------------------------------------------
PERSON = (
    r"(?:him|her|them|someone|somebody|anyone|anybody|people|everyone|everybody|"
    r"(?:my|our|his|her|the|that|this|a) (?:\w+ )?(?:husband|wife|partner|boyfriend|girlfriend|ex|boss|"
    r"coworker|co worker|colleague|neighbou?r|roommate|mom|mother|dad|father|stepdad|stepfather|"
    r"stepmom|stepmother|brother|sister|son|daughter|kid|kids|child|children|baby|babies|newborn|family|"
    r"friend|teacher|manager|landlord|abuser|attacker|rapist|uncle|aunt|cousin|parents|therapist|doctor|"
    r"psychiatrist|spouse|fiancee?|guy|man|woman|person|bastard|asshole|prick|bitch|girl|boy|classmates?|"
    r"people|men|women|guys|ones|kids at school|"
    r"students?|coworkers|colleagues|neighbors|neighbours|wife and kids|sergeant|officer|commander|"
    r"supervisor|whole family)|[a-z]+s (?:wife|husband|family))"
)
ACTOR = (
    r"(?:he|she|they|someone|somebody|(?:my|our) (?:\w+ )?(?:husband|wife|partner|boyfriend|girlfriend|ex|"
    r"dad|father|mom|mother|stepdad|stepfather|stepmom|stepmother|brother|sister|uncle|aunt|cousin|"
    r"roommate|landlord|boss|son|daughter|spouse|fiancee?|parents?|family|neighbou?r|carer|caregiver|"
    r"grandfather|grandpa|coach|pastor|priest|teacher|guardian)|a (?:man|guy|woman|stranger|person)|"
    r"the (?:man|guy|woman|person|stranger)|this (?:man|guy|woman|person)|"
    r"(?:the|a) (?:man|guy|woman|person|dude) (?:i live with|i am staying with|i am seeing|i am dating|"
    r"i met|next door|from \w+)|my (?:housemate|flatmate|landlady|mans|man|bd|baby daddy|baby mama|"
    r"hubby|bf|gf|ex \w+))"
)
RECENT = (
    r"(?:just|tonight|today|last night|this (?:morning|afternoon|evening|week)|an hour ago|"
    r"(?:a few |few |\d+ |two |three |several )?(?:hours?|minutes?|mins?) ago|yesterday|right now|earlier today|"
    r"again|just now)"
)
MED = (
    r"(?:ketamine|esketamine|arketamine|spravato|ketalar|ssris?|snris?|antidepressants?|medication|"
    r"pills?|tablets?|dose|doses|dosage|spray|sprays|device|devices|infusions?|treatment|session|"
    r"sertraline|zoloft|prozac|fluoxetine|paroxetine|paxil|lexapro|escitalopram|celexa|citalopram|"
    r"venlafaxine|effexor|duloxetine|cymbalta|bupropion|wellbutrin|mirtazapine|remeron|trazodone|"
    r"prazosin|lithium|lamotrigine|lamictal|xanax|alprazolam|benzos?|benzodiazepines?|klonopin|"
    r"clonazepam|ativan|lorazepam|valium|diazepam|adderall|ritalin|vyvanse|ambien|zolpidem|melatonin|"
    r"ibuprofen|advil|motrin|tylenol|acetaminophen|paracetamol|aspirin|naltrexone|gabapentin|"
    r"quetiapine|seroquel|abilify|aripiprazole|propranolol|buspirone|hydroxyzine|clonidine|"
    r"alcohol|wine|beer|beers|drinks?|liquor|vodka|whiskey|weed|cannabis|marijuana|thc|cbd|edibles?|"
    r"kratom|mushrooms|psilocybin|mdma|troches?|lozenges?|rdt|mg|milligrams?|prescription|"
    r"blood pressure (?:pill|medication)|pregnan\w*|breastfeeding|nursing|caffeine|coffee|"
    r"sleeping pills?|nicotine|vape|opioids?|oxycodone|tramadol|suboxone|methadone|shots?|pot|joint)"
)
FP = re.compile(r"\b(?:i|me|my|myself|mine|im|ive)\b")
FP_SUBJECT = re.compile(r"\b(?:i|me|myself|im|ive)\b")
GENERIC_SUBJECT = re.compile(
    r"\b(?:people|patients|someone|somebody|persons?|they|he|she|his|her|them|those|veterans|participants|"
    r"trials?|studies|study|research|researchers|rates?|risk|label|labels|warning|warnings|fda|clinicians|"
    r"doctors|men|women|teens|kids|children|adults|users|anyone|everyone|we|you|your|friend|brother|sister|"
    r"son|daughter|character|characters)\b"
)
QUESTION_START = re.compile(
    r"^\s*(?:what|how|why|does|do|is|are|can|could|did|which|when|where|who|will|would|should|has|have|any)\b"
)
THIRD_PERSON = re.compile(r"\b(?:he|she|they|his|her|their)\b")
SPANISH_FP = re.compile(
    r"\b(?:yo|me|mi|mis|conmigo|estoy|tengo|quiero|siento|voy|puedo|debo|soy|sigo|paro|necesito|pienso|tome)\b"
)

# Means people name when they are in danger (matched in the cue and strong tables below).
WEAPON = (
    r"(?:gun|guns|pistol|revolver|rifle|shotgun|handgun|firearm|glock|9mm|service weapon|"
    r"hunting rifle|ar 15|ar15)"
)
LETHAL_THING = (
    r"(?:" + WEAPON[3:-1] + r"|rope|noose|razor blades?|razors?|blades?|knife|knives|"
    r"rat poison|bleach|antifreeze|charcoal|helium|hose|insulin|bottle of pills|sleeping pills|"
    r"pills|tablets|medication|painkillers)"
)
HEIGHT = (
    r"(?:bridge|roof|rooftop|ledge|overpass|cliff|balcony|parking garage|parking structure|"
    r"train tracks|tracks|railway|railroad|tower|top floor|window ledge|dam)"
)
# Pills and medicines (not treatments: "how many infusions does it take" is a fair question).
PILL_WORD = (
    r"(?:pills?|tablets?|capsules?|caps|tylenol|acetaminophen|paracetamol|ibuprofen|advil|aspirin|"
    r"sleeping pills|benadryl|insulin|xanax|valium|klonopin|ativan|benzos?|oxy\w*|opioids?|"
    r"painkillers|lithium|prazosin|sertraline|zoloft|trazodone|seroquel|quetiapine|amitriptyline|"
    r"melatonin|troches|lozenges|sprays|devices|medication|antidepressants?)"
)

# Who a hypothetical "what should I do if ..." question may be about (not a partner or "he":
# "what do I do if he comes back" is a person in danger asking).
_HYPO_WHO = (
    r"(?:a|my|our|your) (?:friend|loved one|family member|relative|child|kid|teen|patient|client|son|"
    r"daughter|parent|mom|dad|brother|sister|student)|someone|somebody|they|a loved one|anyone"
)

# ---------------------------------------------------------------------------------------
# Masks: spans removed before the crisis tables run (benign idioms, negations,
# third-person research phrasing). Each is replaced by " _ ".
# ---------------------------------------------------------------------------------------
MASKS = _table(
    [
        (
            "idiom.kill_object",
            r"\bkill(?:s|ed|ing)? (?:a |an |the |this |that |my |all |every |some )?(?:\w+ )?"
            r"(?:process(?:es)?|task|tasks|job|jobs|app|apps|program|server|terminal|tab|thread|session in|"
            r"lights?|engine|music|mood|vibe|buzz|time|bugs?|germs|bacteria|weeds|pests|switch|battery|"
            r"conversation|deal|idea|game|boss fight|zombie process(?:es)?|node|pid|command|query|signal)\b",
        ),
        ("idiom.kill_it", r"\b(?:killing|killed|kill) it\b"),
        ("idiom.kill_two_birds", r"\bkill two birds\b"),
        (
            "idiom.killing_me_thing",
            r"\b(?:this|that|the|my|these|those|it|work|school|traffic|heat|"
            r"suspense|wait|waiting|commute|deadline|deadlines|job|boss|cold|noise|pain in my \w+|"
            r"feet|back|legs|knees|shoes|hangover|homework|exam|exams|bill|bills|prices|rent|taxes|kids|"
            r"kid|baby|dog|cat|neighbou?rs)(?: \w+)? (?:is|are|was|were) (?:literally |actually |really |"
            r"just |so |absolutely )?killing me\b",
        ),
        (
            "idiom.killing_myself_laughing",
            r"\bkill(?:ing|ed)? (?:myself|me) (?:laughing|with laughter|with laughing)\b",
        ),
        ("idiom.kill_for", r"\b(?:would|could|id) kill for (?:a|an|some|the)\b"),
        (
            "idiom.kill_me_when",
            r"\bkill me (?:when|if|once|for) (?:he|she|they|my \w+|i)\b[^.?!]{0,30}"
            r"(?:sees?|finds? out|hears?|notices?|learns?|knows?|late|forget|forgot|grade|grades|bill|mess|haircut)",
        ),
        ("idiom.going_to_kill_me_lol", r"\bgoing to kill me (?:lol|lmao|haha)\b"),
        (
            "idiom.dying_to",
            r"\b(?:dying|dyin) (?:to|for) (?!(?:die|death|end|kill|be dead|not|disappear|stop|it|this|"
            r"everything|sleep forever|never)\b)\w+|\b(?:die|died) (?:to|for) (?:know|try|see|hear|meet|"
            r"learn|ask|go|get|find out|read|watch|start|understand|some|a|an|the)\b",
        ),
        (
            "idiom.die_laughing",
            r"\b(?:die|died|dying|dead) (?:of |from |with )?(?:laughing|laughter|embarrassment|"
            r"boredom|shame|cringe|happiness|cuteness|jealousy|curiosity|suspense)\b",
        ),
        (
            "idiom.could_die",
            r"\b(?:so bored|so embarrassed|so happy|so hungry|so tired) (?:i|that i) could die\b",
        ),
        ("idiom.rather_die_than", r"\b(?:would )?rather die than\b"),
        ("idiom.drop_dead", r"\bdrop dead (?:gorgeous|beautiful|handsome|funny)\b"),
        (
            "idiom.dead_tired",
            r"\bdead (?:tired|serious|set|ringer|end|battery|phone|last|center|on|wrong|"
            r"quiet|heat|weight)\b",
        ),
        (
            "idiom.shoot_email",
            r"\bshoot (?:you|him|her|them|me|over|off) (?:an? |the )?(?:email|e mail|text|"
            r"message|note|line|dm|question|quick|link)\b|\bshoot (?:a|the|some) (?:video|film|photo|photos|"
            r"scene|hoops|pool|breeze|shot)\b|\bshoot myself in the foot\b",
        ),
        ("idiom.hurt_feelings", r"\bhurt (?:his|her|their|your|my|someones) feelings\b"),
        ("idiom.cut_off", r"\bcut(?:ting)? myself (?:off|out|some slack|a break)\b"),
        (
            "idiom.beat_at",
            r"\bbeat (?:him|her|them|you|me|my \w+) (?:at|in) (?:chess|cards|games?|tennis|a race)\b",
        ),
        ("idiom.overkill", r"\boverkill\b"),
        (
            "idiom.could_sleep",
            r"(?<!wish )(?<!wish that )\bi could (?:sleep|nap) (?:forever|for a week|for days|for a year|for "
            r"a month|for ever)\b",
        ),
        ("idiom.murdering_me", r"\b(?:deadlines?|work|this week|exams?) (?:is|are) murdering me\b"),
        ("idiom.death_of_me", r"\b(?:will|is going to|going to) be the death of me\b"),
        ("idiom.not_die", r"\b(?:do not|not|never|will not|wont|did not) (?:die|dying)\b"),
        (
            "idiom.afraid_die_treatment",
            r"\b(?:afraid|scared|worried|nervous|fear) (?:that )?(?:i|ill|i will|i might|"
            r"i could|of) (?:die|dying) (?:during|from|in|on|under|because of|with) (?:the |my |an? |this )?(?:infusion|"
            r"treatment|session|anesthesia|anaesthesia|surgery|procedure|ketamine|spravato|esketamine|medication|"
            r"drug|side effects?|overdose by accident)\b",
        ),
        (
            "idiom.accident",
            r"\b(?:cut|cutting|burned|burnt|burn|hurt|hurting|hit|scratched|injured|bruised|nicked) "
            r"(?:myself|my \w+) (?:shaving|cooking|chopping|gardening|on (?:a|the|some|my)|at (?:the|work|gym)|in (?:the|a) "
            r"(?:kitchen|garden|gym|fall|accident|crash)|while|playing|lifting|running|during (?:a|the) (?:game|hike|"
            r"workout)|falling|when i (?:fell|slipped|tripped)|by accident|slightly|a bit|a little)\b|\b(?:accidentally|"
            r"by accident) (?:cut|burned|hurt|hit|scratched|stabbed) (?:myself|my \w+)\b",
        ),
        (
            "idiom.overdose_on",
            r"\b(?:overdos\w*|overdosed|od) on (?:coffee|caffeine|netflix|tv|chocolate|sugar|candy|"
            r"junk food|pizza|work|news|social media|tiktok|youtube|memes|sleep|sun|sunshine|carbs|love|cuteness|"
            r"drama|music|books|reading|gaming|games|christmas|holiday \w+|cheese|cookies|series|anime|true crime)\b",
        ),
        (
            "neg.no_urges",
            r"\b(?:no|not having any|not having|do not have any|do not have|never had|without|no longer have|"
            r"not) (?:\w+ )?(?:thoughts|urges|plans|intent\w*|ideas) (?:of|about|to) (?:self harm\w*|suicide|"
            r"dying|ending (?:it|my life)|hurting myself|harming myself|killing myself)\b|"
            r"\bno (?:thoughts|urges|plans|intention|intent|desire|wish) (?:of|to|about) (?:hurting|harming|"
            r"killing|cutting|ending|hurt|harm|kill|end) (?:myself|my life)\b|\bnot (?:thinking|planning) (?:of|about|on) "
            r"(?:hurting|harming|killing) myself\b",
        ),
        (
            "habit.symptom",
            r"\b(?:sometimes|often|usually|always|whenever|every time|at times|when i (?:have|get|am having)|"
            r"during (?:a |my |the )?(?:panic attacks?|flashbacks?|nightmares?|anxiety attacks?))\b[^.?!]{0,50}\b(?:cannot|"
            r"can not|could not) (?:breathe|breath|catch my breath|get air)\b|\b(?:cannot|can not|could not) (?:breathe|"
            r"breath|catch my breath|get air)\b[^.?!]{0,40}\b(?:during|when i (?:have|get)|whenever|in) (?:a |my )?(?:panic|"
            r"flashback|nightmare|anxiety)\w*\b|\b(?:sometimes|often|usually|whenever|during (?:a |my |the )?(?:panic|flashbacks?|nightmares?|anxiety))\b[^.?!]"
            r"{0,60}\b(?:chest (?:pain|hurts|tight\w*)|feel like i am dying|heart (?:races|pounds|racing|pounding)|"
            r"faint|pass out)\b",
        ),
        (
            "habit.question",
            r"\b(?:will|would|could|can|might|may|do|does|is it normal to|is it common to|is it possible to) "
            r"(?:i|you|people|patients|someone|one) (?:\w+ )?(?:pass out|faint|stop breathing|have a seizure|black out|"
            r"collapse|lose consciousness)\b",
        ),
        (
            "idiom.hyperbole",
            r"\bi could (?:just )?die\b[^.?!]{0,40}\b(?:embarrass\w*|funny|laugh\w*|cute|happy|awkward|"
            r"mortified|joy|excited)\b|\b(?:embarrass\w*|mortified|awkward)\b[^.?!]{0,40}\bi could (?:just )?die\b|"
            r"\bend (?:this|that|a|the) (?:chapter|phase|season|era)\b|\bnew chapter of my life\b",
        ),
        (
            "neg.asked_whether",
            r"\b(?:asked|asks|ask|asking|screened|screen|screening|questioned|question) (?:me |us |"
            r"patients |people |you )?(?:whether|if|about) (?:i|we|they|you|he|she)\b(?: \w+){0,4}? (?:suicidal|suicide|"
            r"self harm\w*|thoughts of|hurting|harming|killing|kill|hurt)\b(?: \w+){0,3}",
        ),
        (
            "neg.not_suicidal",
            r"\b(?:i am|im|i have|ive|am|was|i was|i feel|feeling|i have been) (?:not|never|no longer|"
            r"not at all|not feeling|not been|never been) (?:\w+ )?suicidal\b|\bnot suicidal\b",
        ),
        (
            "neg.no_thoughts",
            r"\b(?:no|not having any|not having|do not have any|do not have|never had|no longer have|"
            r"without) (?:\w+ )?(?:suicidal|self harm) (?:thoughts|ideation|urges|feelings)\b",
        ),
        (
            "neg.not_going_to",
            r"\b(?:not|never|would never|will never|i would never|i will never) (?:going to |want to |"
            r"planning to |thinking about |think about |plan to )?(?:kill|hurt|harm) myself\b",
        ),
        (
            "neg.not_a_danger",
            r"\b(?:i am|im) not (?:in )?(?:a )?danger(?:ous)? to (?:myself|anyone|others)\b",
        ),
        (
            "third.generic_subject",
            r"\b(?:people|patients|someone|somebody|veterans|persons?|they|those|many|"
            r"individuals|anyone|men|women|teens|teenagers|adolescents|kids|children|users|participants|"
            r"soldiers|survivors|clients|a person|a patient|one)\b(?: who| with| that)?(?: \w+){0,3} "
            r"(?:want|wants|wanted|wish|wishes|feel|feels|are|is|have|has|had|get|gets|say|says|said|experience|"
            r"experiences|report|reports)(?: \w+){0,2} (?:to die|dead|suicidal|kill themselves|kill himself|"
            r"kill herself|end their lives|end their life|self harm\w*|hurt themselves|suicidal thoughts|"
            r"suicidal ideation)\b",
        ),
        (
            "third.research_terms",
            r"\b(?:suicide|suicidal|self harm|self injury|overdose)\s+(?:research|rates?|risk|"
            r"risks|prevention|warning|warnings|statistics|stats|data|studies|study|trials?|scale|screening|"
            r"assessment|outcomes?|deaths|behaviou?rs? (?:in|among|and)|items?|scores?|measures?|hotline|"
            r"lifeline|line|crisis line|awareness|section|precautions?|monitoring|policy|protocol)\b",
        ),
        (
            "third.died_by_suicide",
            r"\b(?:died|dies|death|deaths|lost (?:\w+ ){0,3}to) (?:by |from |of )?suicide\b",
        ),
        (
            "es.idiom",
            r"\b(?:me muero de (?:ganas|hambre|risa|sueno|frio|calor|verguenza|aburrimiento|curiosidad)|"
            r"me (?:esta|estan) matando (?:el|la|los|las|de)|me mata (?:el|la|de)|matar (?:el|un|los) "
            r"(?:tiempo|proceso|procesos|rato)|muerto de (?:risa|hambre|sueno|cansancio|frio))\b",
        ),
        (
            "habit.cause_question",
            r"\b(?:cause|causes|make|makes|lead|leads|led) (?:you|people|someone|patients|a person|one|me|them) "
            r"(?:to )?(?:stop breathing|pass out|faint|have a seizure|seize|die|black out|collapse|lose "
            r"consciousness|feel like (?:you|they|i) (?:are|am) dying)\b",
        ),
        (
            "idiom.killing_myself_at",
            r"\b(?:killing|kill|killed|working) myself (?:at (?:the gym|work|the office|practice)|working|studying|"
            r"training|with (?:work|training|exercise|homework|studying)|over (?:this|that|nothing|exams?|work|it))\b",
        ),
        (
            "es.habit",
            r"\b(?:a veces|cuando tengo|en (?:mis|los) ataques|durante (?:mis |los )?(?:ataques|pesadillas|crisis de "
            r"panico))\b[^.?!]{0,50}\b(?:no puedo respirar|me duele el pecho)\b|\b(?:no puedo respirar|me duele el "
            r"pecho)\b[^.?!]{0,40}\b(?:en mis ataques|durante (?:mis |los )?(?:ataques|pesadillas)|cuando tengo)\b",
        ),
        # --- negations and hypotheticals that name a crisis without being one
        (
            "neg.not_want_die",
            r"\b(?:do not|never|not|no longer|would never|will never|did not)\s+(?:really |even |ever )?"
            r"(?:want|wanna|wish|plan|intend|mean|try|trying|going)\s+to\s+(?:die|be dead|kill myself|end my life|"
            r"hurt myself|harm myself)\b",
        ),
        (
            "third.hypothetical",
            r"\b(?:what (?:should|do|can|would) (?:i|we|you|a \w+|family|families|parents|people) "
            r"(?:\w+ ){0,3}(?:say|do|tell|look for|watch for)|how (?:do|can|should) (?:i|we|you) "
            r"(?:help|support|respond|react|talk)|(?:just )?in case|to be prepared|want to be prepared|"
            r"just want to (?:know|be ready))\b[^.?!,]{0,20}\b(?:if|when|in case)\b (?:"
            + _HYPO_WHO
            + r")"
            r"(?![^.?!,]{0,60}\b(?:again|tonight|right now|now|today)\b)[^.?!,]{0,80}|\b(?:if|when) (?:a|my|"
            r"your|our) (?:friend|loved one|family member|relative|child|teen|patient|client|student)\b "
            r"(?:ever )?(?:tells|says|said|told|mentions|admits|talks|confides)\b"
            r"(?![^.?!,]{0,60}\b(?:again|tonight|right now|now|today)\b)[^.?!,]{0,80}",
        ),
        (
            "idiom.die_without",
            r"\b(?:die|died|dying|dead) (?:without|for) (?:my |his |her |their |a |an |the |some |good )?"
            r"(?:coffee|caffeine|tea|phone|wifi|internet|chocolate|music|sugar|snacks|netflix|air "
            r"conditioning|ac|naps?|morning \w+|latte|pizza|tacos|fries)\b|\b(?:would|could|id) (?:die|"
            r"kill|take a bullet) for (?:my|a|an|some|the|you|him|her|them|this|that)\b",
        ),
        (
            "idiom.dead_inside_question",
            r"\b(?:feel|feeling|felt) (?:\w+ )?dead inside\b[^.?!]{0,30}\b(?:is (?:that|this|it)|normal|"
            r"ptsd thing|symptom)\b",
        ),
        (
            "clarify.treatment",
            r"\b(?:do it|go through with it|end it|the courage)\b(?=[^.?!]{0,40}\b(?:i mean|i meant|as in|"
            r"meaning|talking about)\b[^.?!]{0,30}\b(?:ketamine|treatment|infusions?|therapy|spravato|sessions?|"
            r"start\w*|trying|appointment|the (?:\w+ )?(?:program|trial|study|job|course|move|surgery))\b|"
            r"[^.?!]{0,60}\b(?:ketamine|treatment|infusions?|therapy|spravato|sessions?|appointment|program|"
            r"trial|surgery)\b[^.?!]{0,15}\b(?:i mean|i meant)\b)",
        ),
        (
            "idiom.murder_food",
            r"\b(?:would|could|id|i would|i could|gonna|going to) (?:murder|kill|destroy|demolish|devour|"
            r"smash) (?:a|an|some|the|this|that) (?:\w+ )?(?:pizza|burger|burrito|taco|tacos|steak|beer|coffee|"
            r"drink|sandwich|donut|doughnut|cake|pie|meal|snack|fries|curry|pint|kebab|ice cream|plate|bag of "
            r"chips|nap|cigarette)\b",
        ),
        (
            "idiom.killer_adjective",
            r"\b(?:a|is a|such a|total|real) killer (?:at|in|on|with) \w+|\bkiller (?:headache|workout|deal|"
            r"app|view|outfit|song|party|smile|combo|playlist|show|game|instinct|sale|price|heels|shoes|abs|"
            r"legs|recipe|band|track|beat|line|joke|idea)\b",
        ),
        (
            "idiom.hang_out",
            r"\b(?:hang|hanging|hangs|hung) out\b|\bhangout\b|\bhang (?:the|a|my|some|up)\b",
        ),
        (
            "idiom.disappear_for",
            r"\bdisappear (?:for (?:a|the|an|two|three|\d+) (?:\w+ )?(?:week|weeks|day|days|while|weekend|bit|"
            r"hour|hours|month|vacation|holiday)|to (?:a|the|my) (?:cabin|beach|mountains|lake|cottage|island|"
            r"woods|spa|retreat)|from (?:social media|the internet|work|facebook|instagram|the group chat))\b",
        ),
        (
            "idiom.whole_course",
            r"\b(?:took|take|taken|finished|finish|completed|complete|did|do) (?:my|the|his|her|a) (?:whole|full|"
            r"entire|complete) (?:course|round|cycle|series|treatment|program|protocol)\b",
        ),
    ]
)

# ---------------------------------------------------------------------------------------
# Past history: clauses that describe suicidal or self-harm history in the past.
# ---------------------------------------------------------------------------------------
PAST_MARK = _rx(
    r"\b(?:years? ago|months ago|(?:a |so )?(?:long )?(?:time|while) ago|long ago|in the past|back then|"
    r"back in (?:the day|\w+)|as a (?:teen|teenager|kid|child|young \w+)|when i was (?:younger|little|a teen|a "
    r"teenager|a kid|a child|in (?:college|school|high school|my \w+)|\d+)|in (?:19|20)\d\d|a decade ago|"
    r"decades? ago|used to|history of|my history|in my (?:teens|twenties|thirties|20s|30s|youth|past)|"
    r"previously|once before|in (?:college|high school|the army|the military|my first marriage)|"
    r"survived (?:a|an|my)|past (?:suicide |)(?:attempts?|history)|\d+ years? back|"
    r"hace (?:anos|muchos anos|mucho|mucho tiempo|tiempo|\d+ anos|\w+ anos)|en el pasado|de joven|"
    r"cuando era (?:joven|nino|nina|adolescente))\b"
)
PAST_WELL = _rx(
    r"\b(?:i am|im|i have been|ive been|i feel|feeling|been|now|today|these days|currently|nowadays|am)\s+"
    r"(?:\w+\s+){0,2}?(?:well|fine|good|okay|ok|better|stable|safe|in a good place|doing (?:well|good|great|"
    r"fine|ok|okay|better)|recovered|in recovery|healthy|happy|thriving|in remission)\b|\bnot now\b|"
    r"\bno longer\b|\bnot anymore\b|\bhas helped\b|\bhelped (?:a lot|me)\b|\bvolunteer|\bwell now\b|"
    r"\b(?:ahora|hoy) (?:estoy|me siento) (?:bien|estable|mejor)\b|\bestoy (?:bien|estable)\b"
)
PAST_RETURN = _rx(
    r"\b(?:again|coming back|came back|come back|returning|returned|lately|recently|right now|tonight|"
    r"this week|this month|since (?:yesterday|last)|started again|relapse\w*|"
    r"otra vez|de nuevo|ahora mismo|esta noche)\b"
)
PAST_TOPIC = _rx(
    r"\b(?:suicid\w*|kill myself|killing myself|end my life|take my (?:own )?life|want(?:ed)? to die|dying|death|"
    r"self harm\w*|cutting|cut myself|overdos\w*|attempt\w*|die|dead|hurt myself|harm myself|"
    r"suicid\w+|quitarme la vida|matarme|hacerme dano|morir|autolesion\w*|lastim\w*|me cortaba|cortarme)\b"
)
# A medical or danger event told as past, not present ("I passed out once at the dentist
# years ago", "last year I had chest pain and it was anxiety"), unless it is happening now.
PAST_EVENT = _rx(
    r"\b(?:years? ago|months ago|weeks ago|long ago|a while ago|a while back|(?<!at )once(?! (?:a|every|"
    r"more|again|in a while))|in the past|"
    r"last (?:year|month|spring|summer|autumn|fall|winter)|as a (?:kid|child|teen|teenager)|when i was (?:younger|little|a kid|a child|a teen|\d+)|"
    r"in (?:19|20)\d\d|back in|used to|history of|previously|one time|a few times|in my (?:teens|"
    r"twenties|thirties|20s|30s)|as a (?:child|kid))\b"
)
PAST_EVENT_NOW = _rx(
    r"\b(?:right now|now|today|tonight|just|again|currently|this (?:morning|afternoon|evening)|still|"
    r"keeps?|minutes? ago|hours? ago|an hour ago|last night|since)\b"
)
# "I still have flashbacks" in a past clause does not mean the suicidal history is back.
PAST_STILL_SYMPTOMS = _rx(r"\bstill have (?:flashbacks|nightmares|ptsd)\b")
CLAUSE_SPLIT = _rx(
    r"[.?!;\n]+|\bbut\b|\bhowever\b|\bthough\b|\bpero\b|, and now\b|\band now\b|, now\b"
)

# ---------------------------------------------------------------------------------------
# Crisis tables. "strong" rows match anywhere (after masks); "fp" rows need a first-person
# word (i, me, my, myself) in the same clause.
# ---------------------------------------------------------------------------------------
CRISIS_STRONG = _table(
    [
        # Families added after the blind round (classes of wording, not single items).
        ("suicide.method", r"\beat (?:my|a|the) (?:gun|bullet|shotgun|pistol)\b|\bsuck(?:ing)? on (?:my|a) (?:gun|barrel)\b"),
        (
            "lethal.dose",
            r"\b(?:is|are|would|will|were) (?:\d+|a (?:whole )?(?:bottle|pack|box|handful)) (?:of )?(?:my|these|those|the) "
            r"(?:\w+ ){0,2}(?:be )?enough\s*(?:[?.!]|$)",
        ),
        (
            "es.method",
            r"\b(?:aventar|tirar|lanzar|arrojar)(?:me|se)? (?:de|del|desde) (?:un |el |la |lo )?(?:alto de(?:l)? )?"
            r"(?:puente|edificio|techo|azotea|balcon)\b",
        ),
        ("es.goodbye", r"\bme voy (?:a ir )?para siempre\b|\bya no me van a ver (?:mas|nunca)\b"),
        (
            "suicide.direct",
            r"\b(?:kill|killing|killed|kil|off|offing|hang|hanging|hanged|shoot|shooting|drown|"
            r"drowning|poison|poisoning|suffocate|suffocating|electrocute|gas|stab|stabbing|starve) myself\b",
        ),
        (
            "suicide.direct",
            r"\b(?:take|taking|took|end|ending|ended|finish|finishing) (?:my|my own|this) life\b",
        ),
        (
            "suicide.direct",
            r"\bend(?:ing)? it all\b|\bend (?:it|everything) (?:now|tonight|today|for good|"
            r"forever|once and for all|permanently)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:i am|im|i will|i want to|going to|i might|i could|i should|ready to|plan to|"
            r"planning to|about to|gonna|decided to|time to|i need to|i have to) (?:just |finally |really )?"
            r"end (?:it|everything|my suffering|the suffering)\b(?! (?:with|between))",
        ),
        (
            "suicide.direct",
            r"\b(?:want|wanted|wanna|wish|wishing|ready|deserve|longing|hope|hoping|need|needing|"
            r"would rather|would like|like|prefer|going|plan|planning|about|trying) (?:to )?(?:just |simply |"
            r"finally |really )?(?:die|be dead|not be alive|stop existing|not exist|cease to exist|no longer exist|"
            r"stop living|disappear forever|disappear for good|vanish forever)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:suicide is|suicide seems|suicide feels like|killing myself is) (?:the|my) "
            r"(?:only|best|last|easiest) (?:way|option|choice|answer|solution|way out)\b|\bsuicide is the only\b",
        ),
        (
            "suicide.direct",
            r"\b(?:my|a|the) (?:suicide|goodbye) (?:note|letter|letters|notes|plan)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:throw|throwing|yeet|yeeting|launch|launching|fling|hurl|hurling|jump|jumping) "
            r"myself (?:off|from|in front|under|into|out)\b|\bjump(?:ing)? (?:off|from) (?:a|the|my) "
            r"(?:bridge|building|roof|cliff|balcony|overpass|tower)\b",
        ),
        (
            "suicide.kys_self",
            r"\b(?:i|going to|might|should|will|want to|about to|just|finna|bouta|gonna|"
            r"could|may|ready to) (?:just |literally |actually |go )*kill yourself\b|^\s*kill yourself\W*$",
        ),
        (
            "suicide.passive",
            r"\bwish (?:i|that i) (?:was|were|could be|had been) dead\b|\bwish (?:i|that i) "
            r"(?:had |would |could )?(?:never|not) (?:been born|be born|born|existed|exist|woken up|woke up)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:do not|dont|did not|never) (?:really |even )?(?:want|wanna) to (?:live|be alive|"
            r"exist|wake up|stay alive|keep living|continue living|go on living|be on this earth|see tomorrow)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:do not|dont) (?:really |even )?(?:want|wanna) to (?:be here|be around|go on|"
            r"continue|carry on|keep going) (?:for )?(?:anymore|any longer|on this earth|in this world|much "
            r"longer|long|no more)\b|\b(?:stop being|no longer be|not be) a (?:problem|burden|bother|weight) "
            r"(?:to|for|on) (?:anyone|everyone|everybody|my family|them|people)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:tired|sick|exhausted|weary) of (?:living|being alive|life|existing|being here|"
            r"waking up|it all|everything)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:no|not see any|not see a|not see the|not have any|not have a|not find any|"
            r"not find a|cannot see any|cannot see a|cannot see the|cannot find any|cannot find a|lost (?:my|all|any)|"
            r"without (?:a|any)) (?:reason|point|purpose|will|motivation) (?:to|in|of|for)(?: me to| me)? (?:live|living|life|going on|go on|"
            r"keep going|keep living|being alive|be alive|carry on|carrying on|continue|continuing|stay alive|"
            r"staying alive|being here|exist|existing|anything anymore)\b|\bnothing (?:left )?to live for\b|"
            r"\bwhat is (?:even |really |actually |honestly )?the point (?:of|in) (?:living|life|going on|being "
            r"alive|anything|trying|staying|waking up|existing|me)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:life|living|my life) (?:is not|isnt|is no longer|aint|not|does not seem|"
            r"doesnt seem) (?:\w+ )?worth (?:it|living|anything)\b|\bnot worth living\b",
        ),
        (
            "suicide.passive",
            r"\bbetter off (?:dead|gone|without me|if i (?:was|were|am) (?:dead|gone|not here|"
            r"not around|never born)|if i did not exist|if i died)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:sleep|sleeping|go to sleep|fall asleep|drift off) (?:and )?(?:forever|never wake up|"
            r"not wake up|for good|permanently)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:hope|hoping|wish|wishing|wished|pray|praying|prayed|want|wanting|like)\b[^.?!]{0,30}"
            r"\b(?:not|never|do not|did not|dont|would not|will not|wont) wake up\b(?! (?:during|in the middle|mid|"
            r"halfway|too early|at night|early))|\bnot wake up (?:again|anymore|tomorrow)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:hope|hoping|wish|wishing|wished|pray|praying|prayed|would not mind if)\b[^.?!]{0,30}\b(?:i (?:would |could )?die|"
            r"(?:hit|kill|take|end)s? me|i (?:got|get) (?:hit|killed)|i did not wake|i was gone|i am gone|i died)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:cannot|can not|could not) (?:go on|keep going|keep living|live like this|"
            r"carry on|do life|exist like this|live with this (?:anymore|any longer))\b",
        ),
        (
            "suicide.passive",
            r"\b(?:i am|im) (?:so |just |really |completely |totally |fully )?done (?:with )?(?:life|"
            r"living|everything|being alive|existing|this world|it all)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:this is|these are|consider this) (?:my )?(?:final |last )?(?:goodbye|goodbyes|"
            r"last words|final words)\b|\bgoodbye (?:forever|everyone|world|cruel world)\b|\bmy (?:last|final) "
            r"(?:message|words|day|night|goodbye)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:will not|wont|not going to|will no longer) be (?:around|here|alive|a problem|a "
            r"burden|bothering anyone) (?:much longer|for long|tomorrow|anymore|next week|after tonight|soon)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:no one|nobody|noone|nobody) (?:would|will|is going to) (?:even )?(?:miss|notice|"
            r"care|mourn)(?: me| if i (?:was |were |just |ever )?(?:gone|dead|not (?:here|around|alive)|disappeared|"
            r"died|vanished|left for good|killed myself|did not wake|never came back|stopped existing))\b",
        ),
        (
            "suicide.passive",
            r"\b(?:everyone|everybody|people|world|family|they|kids|wife|husband|friends|parents|"
            r"children|my \w+) (?:would|will|could) be (?:so |much )?(?:better|happier|better off|fine|relieved) "
            r"(?:off )?(?:without me|if i (?:was|were|am) (?:gone|dead|not (?:here|around))|if i disappeared|"
            r"when i am gone)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:burden|burdens) (?:to|on|for) (?:everyone|everybody|all|my family|the world|"
            r"everyone i love|the people i love)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:want|wanted|wish|need) (?:it all|everything|all of it|my life|life|it) to "
            r"(?:end|stop|be over) (?:permanently|forever|for good|once and for all)\b|\bwant (?:it all|everything|"
            r"all of it|my life|life) to (?:end|stop|be over)\b|\bwant it all to end\b|\b(?:need|wish|want) "
            r"(?:for )?(?:it all|everything|all of it|my life|life|all of this|the pain|this pain) to (?:just )?(?:end|"
            r"stop|be over)\b(?! (?:for (?:a|the) (?:\w+ )?(?:minute|second|moment|bit|while|day|night|weekend)|at|"
            r"so i can|until|before))",
        ),
        (
            "suicide.passive",
            r"\b(?:i am|im) (?:ready|prepared) to (?:go(?! to| home| out| back| shopping| for| ahead| through| in)|"
            r"leave this world|die|leave this earth)\b",
        ),
        (
            "suicide.method",
            r"\b(?:painless|painlessly|quick|quickest|fast|fastest|easy|easiest|peaceful|"
            r"peacefully|surest|best|effective|most effective|least painful|gentle|gentlest|simple|simplest|"
            r"reliable|certain|clean|cleanest|sure|guaranteed)\b(?: \w+){0,2} (?:way|ways|method|methods|means|"
            r"option|options|technique)\b[^.?!]{0,25}\b(?:die|dying|death|suicide|kill (?:myself|yourself|"
            r"oneself|me|someone)|end (?:it|my life|your life|ones life|things|everything)|not wake up|"
            r"never wake up|go to sleep forever)\b",
        ),
        (
            "suicide.method",
            r"\b(?:how|ways?|best way|where|instructions|guide|steps|tips) (?:to|do i|can i|could i|"
            r"should i|would i|would you|do you|does one|would one|would someone|for) (?:\w+ )?(?:kill (?:myself|"
            r"yourself|oneself)|commit suicide|end (?:my|your|ones|a) life|die painlessly|die quickly|die "
            r"peacefully|die without|die in my sleep|hang (?:myself|yourself|oneself)|slit|bleed out|not wake up|"
            r"never wake up|tie a noose|make a noose)\b",
        ),
        (
            "suicide.method",
            r"\b(?:suicide|suicidal) (?:methods?|techniques?|ways?|options?|kit|bag)\b|"
            r"\b(?:methods?|ways?|means) (?:of|for|to commit) suicide\b|\bhow (?:do|did) (?:people|most people|"
            r"veterans) (?:kill themselves|commit suicide)\b",
        ),
        (
            "suicide.method",
            r"\bhow long (?:does it take|would it take|until|till|before|to)\b[^.?!]{0,40}\b(?:die|"
            r"bleed out|lose consciousness|stop breathing|suffocate|drown)\b",
        ),
        (
            "suicide.method",
            r"\b(?:noose|carbon monoxide|charcoal bbq in|helium tank|exit bag|suicide bag|"
            r"drink(?:ing)? (?:bleach|antifreeze)|slit(?:ting)? my wrists?|cut(?:ting)? my wrists?|wrists? open|"
            r"bullet (?:in|through) my|gun to my head|pull the trigger on myself|in front of a (?:train|bus|truck|car))\b",
        ),
        (
            "suicide.method",
            r"\brazor(?:s)?\b[^.?!]{0,30}\b(?:wrist|wrists|arm|arms|thigh|thighs|skin|myself)\b|"
            r"\bblades?\b[^.?!]{0,20}\b(?:wrist|wrists|myself)\b",
        ),
        (
            "suicide.direct",
            r"\bend(?:ing|ed)? (?:it|things|everything|this|my pain|the pain|my suffering)(?: all)? "
            r"(?:for good|forever|permanently|once and for all|tonight|today|right now)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:suicide|suicidal thoughts|dying|death|killing myself|ending it|ending my life|"
            r"being dead)\b[^.?!]{0,15}\b(?:is all i think about|all i think about|is on my mind|on my mind "
            r"(?:constantly|all the time|every day)|is always on my mind)\b|\b(?:all i (?:can )?think about is|cannot "
            r"stop thinking about|keep thinking about|obsessed with|fantasi[sz]e about|fantasi[sz]ing about|"
            r"daydream(?:ing)? about|dream(?:ing)? about|think about|thinking about) (?:\w+ )?(?:suicide|dying|"
            r"killing myself|ending (?:it|my life)|being dead|not being here|not existing|my own death)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:have|got|has) everything (?:ready|prepared|planned|in place|set up|sorted)\b|"
            r"\b(?:going to|gonna|will|am ready to) do it (?:tonight|today|now|this weekend|soon|tomorrow)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:pills?|tablets?) (?:are |is )?(?:all )?(?:lined up|laid out|counted out|ready|"
            r"in front of me|in my hand)\b|\b(?:counted|counting|lined up|laid out|lining up) (?:out )?(?:all )?"
            r"(?:of )?(?:my |the )?(?:pills|tablets)\b|\bbought (?:a |some )?(?:rope|noose|rat poison|charcoal|"
            r"helium|razor blades|a rope)\b|\b(?:pills|tablets|gun|knife|rope|blades?|razors?)\b[^.?!]{0,40}"
            r"\b(?:in front of me|in my hand|on my lap|next to me)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:on|at|near) the (?:edge|ledge|railing)\b(?: of (?:the |a )?(?:roof|bridge|building|"
            r"cliff|balcony))?|\b(?:standing|stood|sitting|sat|am) on (?:a|the|top of the|top of a) (?:bridge|ledge|"
            r"roof|rooftop|edge|railing|overpass|cliff)\b(?![^.?!]{0,40}\b(?:for (?:a|the|my|our) (?:party|class|"
            r"yoga|bbq|barbecue|picnic|drink|view|photo|meeting|lunch|smoke)|party|with (?:friends|my \w+)|to "
            r"(?:watch|see|fix|clean|relax|enjoy|smoke|take)|enjoying|lovely|beautiful|sunset|fireworks)\b)",
        ),
        (
            "suicide.direct",
            r"\b(?:drive|driving|crash|crashing|steer|steering|swerve|swerving|ram|ramming) "
            r"(?:my car |the car |my truck |my bike )?(?:into|off|in front of) (?:a |the |an |oncoming )?(?:wall|tree|"
            r"traffic|bridge|cliff|truck|river|lorry|pole|barrier|semi|train)\b",
        ),
        (
            "suicide.direct",
            r"^\W*(?:please |pls |just |somebody |someone |god )?kill me(?: now| please| already)?\W*$",
        ),
        (
            "suicide.passive",
            r"\b(?:dying|death|being dead|suicide|not existing|not being here|not waking up|ending it)\b "
            r"(?:would be|will be|seems|sounds|feels|is|looks) (?:like )?(?:a |the |my )?(?:relief|only way out|way out|"
            r"only option|only answer|only escape|escape|peaceful|better|easier|welcome|release|freedom|answer|"
            r"best option|solution)\b|\bonly way out is\b",
        ),
        (
            "suicide.passive",
            r"\b(?:ways?|methods?|how) (?:to|of) (?:die|dying|kill myself|end it|end my life)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:living|life|being alive|existing|my life) (?:hurts|is too painful|is unbearable|is "
            r"torture|is pointless|is meaningless|is hell|is not worth it|hurts too much)\b|\bi (?:just )?want out\b"
            r"(?! of (?:this|my|the) (?:relationship|job|marriage|contract|lease|house|program|trial|study))",
        ),
        (
            "suicide.passive",
            r"\bnothing (?:left )?(?:for me|to stay for|keeping me here|holding me here)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:only (?:thing|reason|one) (?:stopping|keeping|holding) me|only reason i am (?:still )?"
            r"(?:here|alive)|what is stopping me)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:my (?:own )?funeral|my own death|my obituary)\b[^.?!]{0,40}\b(?:imagin\w*|plan\w*|"
            r"reliev\w*|peace\w*|writ\w*)\b|\b(?:imagin\w*|plan\w*|writ\w*) (?:my (?:own )?funeral|my obituary)\b",
        ),
        (
            "suicide.passive",
            r"\bwish (?:i|that i) (?:had not|hadnt|did not|never|would not have) (?:survived|made it|"
            r"come back|come home|woken up|lived)\b|\bshould (?:have|of) died\b|\bwish (?:\w+ ){0,4}(?:had )?killed "
            r"me\b|\bwish i (?:had )?died\b|\bwhy (?:did i|am i still) (?:survive|alive|here)\b",
        ),
        (
            "suicide.passive",
            r"\bhow (?:much )?longer i can (?:stay alive|keep going|go on|hold on|live|survive|"
            r"keep living)\b|\b(?:cannot|can not) (?:stay alive|keep myself alive|keep myself safe)\b",
        ),
        (
            "suicide.passive",
            r"\bbye (?:everyone|forever|world|all|everybody)\b|\bgoodbye (?:all|everybody)\b|"
            r"\b(?:final|last) goodbye\b|\bgoodbye for the last time\b|\b(?:wrote|written|writing|write|left) "
            r"(?:\w+ ){0,3}(?:letters?|notes?|messages?|videos?)\b[^.?!]{0,30}\bgoodbye\b",
        ),
        (
            "suicide.passive",
            r"\bdeserve to (?:be hurt|suffer|die|be dead|be punished|feel pain|disappear)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:do not|dont|cannot|can not) see myself (?:alive|here|around|living|making it|"
            r"surviving)\b",
        ),
        (
            "suicide.direct",
            r"\bholding (?:a |the |my )?(?:bottle of pills|pills|gun|knife|rope|blade|razor|noose)\b|"
            r"\bi have (?:a |the )?plan\b[^.?!]{0,25}\b(?:date|time|when|pills|gun|rope|tonight|means)\b|\b(?:picked|"
            r"chose|set) (?:a|the) date\b(?! for (?:my|the|our|a|an) (?!(?:death|funeral|exit|end)\b))",
        ),
        (
            "suicide.passive",
            r"\bfound my (?:suicide |goodbye )?(?:note|letter)\b|\bthis is (?:the|my) end\b|"
            r"\bsorry for everything\b[^.?!]{0,40}\b(?:goodbye|end|bye|gone|last|forgive)\b",
        ),
        (
            "suicide.passive",
            r"\bnot (?:afraid|scared) (?:of|to) (?:die|dying|death) (?:anymore|any more)\b|"
            r"\bthank(?:s| you) for everything\b[^.?!]{0,40}\bbefore i (?:go|leave|die)\W*$|\b(?:i will|i am going "
            r"to|im going to) be gone (?:by|before|tomorrow|tonight|soon|forever|for good)\b",
        ),
        (
            "suicide.passive",
            r"\bwish (?:i|that i) (?:could )?(?:just )?(?:not exist|disappear|vanish|cease to exist|stop "
            r"existing|be gone|fall asleep forever)\b",
        ),
        (
            "suicide.method",
            r"\b(?:take|taking|use|using|swallow|swallowing|snort|inject) (?:all|every|the whole|all of) "
            r"(?:my |the |of my |of the )?(?:\w+ ){0,2}(?:at once|in one go|together|at the same time)\b|\b(?:going to|"
            r"gonna|want to|will|about to|plan to|planning to|planned to|thinking of|thinking about|decided to|ready "
            r"to|intend to) (?:take|swallow|use|taking|swallowing) (?:all|every one|the whole bottle|everything) (?:of )?"
            r"(?:my |the )?(?:\w+ )?(?:pills|ketamine|sprays|medication|tablets|troches|meds|sleeping pills)\b",
        ),
        (
            "self_harm",
            r"\bcut (?:too |really |so )?deep\b|\b(?:will not|wont|does not|cannot|can not) stop (?:the )?"
            r"bleeding\b",
        ),
        (
            "danger.unsafe",
            r"\b(?:is|are|keeps|been|was) (?:\w+ ){0,6}threatening me\b|\bbanging on (?:my|the) "
            r"(?:door|window)\b[^.?!]{0,40}\b(?:threat\w*|scared|kill|hurt|will not stop|wont stop|help)\b|"
            r"\b(?:scared|afraid|fear|worried|fearing|terrified) for my (?:safety|life)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:do not|dont|no longer|not sure (?:if )?i|never)\b(?: \w+){0,3}? (?:want|wanna) to "
            r"(?:live|be alive|exist|stay alive|keep living|go on living|wake up|be here anymore)\b(?! (?:in|with|near|at|"
            r"abroad|alone|on|like that|there|here))",
        ),
        (
            "suicide.passive",
            r"\bfeel(?:ing)? like (?:dying|i want to die|i should die|ending (?:it|things|my life|"
            r"everything)|killing myself|giving up on life|i should not be alive|i do not deserve to live)\b",
        ),
        (
            "medical.bleeding",
            r"\bbleeding (?:a lot|heavily|badly|everywhere|so much|profusely|and (?:it )?(?:will not|"
            r"wont) stop)\b|\b(?:lots of|so much|a lot of|pool of) blood\b",
        ),
        (
            "danger.unsafe",
            r"\b(?:i am|im|i feel|feeling|i get) (?:so |really |very |always )?(?:scared|afraid|terrified|"
            r"frightened) of (?:him|her|them|my (?:\w+ )?(?:husband|wife|partner|boyfriend|girlfriend|ex|dad|father|"
            r"mom|mother|stepdad|stepfather|stepmom|brother|sister|uncle|roommate|landlord|son|neighbou?r|spouse|"
            r"fiancee?))\b(?!s? (?:reaction|finding out|judging|judgment|knowing|thinking|opinion|feelings))",
        ),
        (
            "suicide.third_party",
            r"\b(?:my|our) (?:\w+ )?(?:friend|brother|sister|son|daughter|mom|mum|dad|mother|"
            r"father|husband|wife|partner|boyfriend|girlfriend|roommate|kid|child|buddy|coworker|colleague|"
            r"cousin|uncle|aunt|grandma|grandpa|patient|client|neighbou?r|teen|student)\b(?: \w+){0,4}? (?:is|says|"
            r"said|told me|keeps saying|texted|texted me|threatened|threatening|talking about|talks about|posted|"
            r"wants|wrote|is trying|just tried|just attempted|just|messaged|is going|plans|is planning|sent|"
            r"(?:tried|attempted|took) (?:\w+ ){0,6}(?:tonight|today|last night|this morning|an hour ago|just now))"
            r"(?: \w+){0,4}? "
            r"(?:to )?(?:kill(?:ing)? (?:himself|herself|themselves)|suicidal|suicide|end(?:ing)? (?:his|her|their) "
            r"(?:own )?life|tak(?:e|ing) (?:his|her|their) (?:own )?life|die|dying|be dead|overdos\w*|hurt(?:ing)? "
            r"(?:himself|herself|themselves)|cut(?:ting)? (?:himself|herself|themselves))\b",
        ),
        (
            "suicide.direct",
            r"\b(?:decided|made up my mind|it is decided)\b[^.?!]{0,20}\b(?:tonight|today|this weekend|"
            r"tomorrow) is the (?:night|day)\b|\btonight is the night\b[^.?!]{0,20}\b(?:end|die|goodbye|do it)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:world|everyone|everybody|they|life|people) (?:to |would |will |can )?go(?:es)? on "
            r"without me\b|\bpart of me (?:wants|wishes|would like|is ready) to (?:die|be dead|not exist|disappear|end "
            r"it|stop existing)\b|\bbetter off (?:not existing|not alive|not being alive|not here|not around|never "
            r"existing|not living|never born)\b",
        ),
        (
            "danger.threat",
            r"\b(?:outside|at|in|near) (?:my|the|our) (?:house|door|home|apartment|window|work|car|"
            r"room)\b[^.?!]{0,30}\bwith (?:a|his|her|their) (?:knife|gun|weapon|bat|rifle|pistol)\b|\bwith (?:a|his|"
            r"her) (?:knife|gun|weapon|rifle|pistol)\b[^.?!]{0,30}\b(?:outside|at|in) (?:my|the|our) (?:house|door|"
            r"home|apartment|window|room)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:thinking|thought|think|started thinking|figuring out|planning) (?:about|of|out)? ?how "
            r"(?:i would|i could|i will|i am going to|id|to) (?:do it|end it|go through with it|kill myself|end my life|"
            r"die)\b|\b(?:cannot|can not|do not think i can|dont think i can|not sure i can|can barely) hold on "
            r"(?:much longer|that long|any longer|anymore|for long)\b",
        ),
        (
            "suicide.direct",
            r"\bmy plan is to\b[^.?!]{0,40}\b(?:take|swallow|jump|end|kill|die|overdose|shoot|hang|"
            r"drown|cut)\b|\b(?:every|all the|all of the) (?:pills?|tablets|meds) i (?:have|had) (?:saved|stockpiled|been "
            r"saving|collected|hidden)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:think\w*|thought|want\w*|going|ready|tempted|urge) (?:about |of )?(?:to )?pull(?:ing)? "
            r"the trigger\b|\b(?:hold|holding|held) (?:my|a|the) (?:\w+ )?(?:gun|weapon|pistol|rifle)\b[^.?!]{0,40}"
            r"\b(?:think\w*|want\w*|trigger|end it|die|my head|mouth)\b",
        ),
        (
            "lethal.dose",
            r"\b(?:amount|dose|quantity|much|many)\b[^.?!]{0,30}\b(?:causes?|leads? to|results? in|would "
            r"cause) (?:death|dying|an overdose|overdose|a fatal|fatal)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:late|dead|deceased|passed) (?:father|mother|dad|mom|mum|husband|wife|son|daughter|"
            r"friend|brother|sister|partner|grandma|grandpa|buddy)\b[^.?!]*[.?!]?[^.?!]*\b(?:ok|okay|alright|time|fine) "
            r"to (?:come|join|be with|see)\b|\bcome be with (?:you|him|her|them)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:tonight|today|now|tomorrow) i (?:will |am going to |finally )?end (?:it|this|everything|"
            r"my life|it all)\b|\b(?:considering|contemplating|thinking about|thinking of|planning|ready for|about to|"
            r"close to) (?:\w+ )?ending (?:it all|everything|it|my life|things|this)\b",
        ),
        (
            "harm_others",
            r"\b(?:want|wanna|going|gonna|plan|planning|will|intend|need)\b[^.?!]{0,50}\b(?:and|then|to) "
            r"(?:kill|murder|shoot|stab|hurt|beat|strangle) (?:him|her|them|that \w+|the \w+)\b(?! (?:feelings|at|in) )",
        ),
        (
            "lethal.dose",
            r"\b(?:more|most|less|least) (?:lethal|deadly|fatal|toxic)\b|\bif i (?:took|take|used|use|"
            r"swallowed|swallow|snorted|injected) (?:all|every|the whole|too much|too many|\d+|a lot)\b[^.?!]{0,40}\b(?:would|"
            r"will|could|can|might) i (?:die|overdose|od|be dead|not wake up|stop breathing)\b",
        ),
        (
            "suicide.passive",
            r"\bwant to dye\b(?! (?:my|the|a|it|them|his|her|hair|clothes|shirts?|fabric|eggs|yarn))|"
            r"\bburden\b[^.?!]{0,60}\b(?:leaving|going away|gone|disappear\w*|end it|for good|forever)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:scared|afraid|worried|terrified|frightened) (?:of )?what i (?:will|might|could|am going "
            r"to|would|may) do\b(?! (?:at|in|for|with my (?:career|life|money|time)|next|about|after))",
        ),
        (
            "suicide.passive",
            r"\b(?:died|dead|die|death|gone|should have been me)\b[^.?!]{0,80}\b(?:make|making) "
            r"(?:that|it) (?:happen|come true|real)\b",
        ),
        # lethal / overdose amount questions: always crisis, even with no prior distress
        (
            "lethal.dose",
            r"\b(?:lethal|fatal|deadly|killing|overdose|toxic|poisonous|death|life ending|suicide)\s+"
            r"(?:\w+\s+)?(?:dose|doses|dosage|dosages|amount|amounts|level|levels|quantity|threshold|limit|"
            r"number of \w+|mg|milligrams)\b",
        ),
        ("lethal.dose", r"\bld ?50\b|\blethal concentration\b"),
        (
            "lethal.dose",
            r"\bhow (?:much|many)\b(?: \S+){0,9}? (?:to|would|will|could|can|does it take to|it takes to|"
            r"it would take to|would it take to|needed to|until|till|before|for|is|are|be|would be|is needed to|"
            r"does it take before|enough to|takes to|is it to|do you need to|do i need to|do i have to|"
            r"do i take to|should i take to|must i take to|before you|before i|before it|before someone)"
            r"(?: \w+){0,3}? (?:kill|kills|die|overdose|od|be (?:lethal|fatal|deadly)|lethal|fatal|deadly|not wake up|"
            r"never wake up|stop (?:\w+ )?(?:heart|breathing)|end (?:it|my life|things|everything)|too much|"
            r"put me down|knock me out forever|poison)\b",
        ),
        (
            "lethal.dose",
            r"\b(?:dose|amount|quantity|number of \w+)\b[^.?!]{0,30}\b(?:that|which) (?:would|could|will|"
            r"can|might) (?:be (?:fatal|lethal|deadly)|kill)\b",
        ),
        (
            "lethal.dose",
            r"\b(?:enough|sufficient)\b(?: \w+){0,5}? to (?:kill|die|overdose|od|end it|end my life|"
            r"not wake up|never wake up|stop (?:\w+ )?heart|be (?:fatal|lethal|deadly))\b",
        ),
        (
            "lethal.dose",
            r"\bat what (?:dose|amount|point|level|quantity|number|mg)\b[^.?!]{0,40}\b(?:deadly|fatal|"
            r"lethal|kill|die|overdose|od|dangerous)\b",
        ),
        (
            "lethal.dose",
            r"\b(?:what|which|whats) (?:dose|amount|quantity|number of \w+|mg|level)\b[^.?!]{0,30}"
            r"\b(?:is|would be|becomes|counts as|is considered|will|would|could|can) (?:\w+ )?(?:deadly|fatal|lethal|"
            r"an overdose|kill|too much)\b",
        ),
        (
            "lethal.dose",
            r"\b(?:max|maximum|most|highest|biggest|largest)\b[^.?!]{0,30}\bbefore (?:you |i |it |one |"
            r"someone |a person |they |people )?(?:overdose|od|die|dying|it kills|death|it is fatal|it becomes fatal)\b",
        ),
        (
            "lethal.dose",
            r"\b(?:(?:can|could|is it possible for|would|will|might) i|is it possible to|easy to|hard to|way to|"
            r"ways to|how to|how do i|how do|how does|how did|how can|how could|"
            r"how would i|how can i|how could i|how would someone|how does one|want to|wanted to|wants to|trying to|"
            r"tried to|try to|plan to|planning to|going to|gonna|about to|decided to|ready to|thinking about|"
            r"thought about|thinking of) (?:i |you |someone |a person |one |people |he |she |they |just )?"
            r"(?:overdose|od|overdosing)\b",
        ),
        (
            "lethal.dose",
            r"\bwhat (?:happens|would happen|will happen) if you (?:overdose|od|took all|take all|took the whole|"
            r"take the whole|swallowed|swallow)\b|"
            r"\bwhat (?:happens|would happen|will happen) if (?:i|someone|a person|he|she|they|my \w+) (?:\w+ )?"
            r"(?:overdose|od|took too much|take too much|took all|take all|took the whole|"
            r"take the whole|took (?:ten|10|twenty|20|\d+) times|take (?:ten|10|twenty|20|\d+) times|"
            r"used all|use all|swallowed|swallow)\b",
        ),
        # self-harm
        (
            "self_harm",
            r"\b(?:cut|cutting|burn|burning|burned|burnt|scratch|scratching|scratched|punch|punching|"
            r"bang|banging|choke|choking|strangle|strangling|bruise|bruising|carve|carving|bite|biting|whip|"
            r"whipping|hit|hitting|slap|slapping|scald|scalding|pinch|pinching) myself\b",
        ),
        ("self_harm", r"\b(?:hurting|harming|injuring|punishing|mutilating|cutting) myself\b"),
        (
            "self_harm",
            r"\b(?:cut|cutting|sliced|slicing|slice|slit|slitting|burned|burning|burn|scratched|scratching|"
            r"carved|carving|stabbed|stabbing|hit|hitting|punched|punching) (?:into )?my (?:arms?|wrists?|legs?|thighs?|"
            r"skin|stomach|body|hips?|chest|face|head|hands?)\b(?! (?:on|against) (?:a|the) (?:stove|oven|fence|pan|"
            r"glass|nail|door|table|corner|car|iron))",
        ),
        (
            "self_harm",
            r"\bi (?:\w+ )?(?:hurt|harm|cut|burn|punish|injure) myself\b(?! (?:at|in|on|while|playing|lifting|"
            r"running|during|falling|when i fell|by accident|accidentally|shaving|cooking|slightly|a bit)\b)",
        ),
        (
            "self_harm",
            r"\b(?:want|wanted|wanting|urge|urges|urged|going|gonna|need|needing|thinking about|thoughts|"
            r"tempted|scared|afraid|worried|might|feel like|feeling like|keep|kept|started|start|been|cannot stop|"
            r"have to|trying not|try not|fighting the urge|plan|planning|about|will|do|did)\b[^.?!]{0,25}\b"
            r"(?:hurt|harm|injure|punish|cut|burn|mutilate|bruise|starve)(?:ing)? myself\b",
        ),
        (
            "self_harm",
            r"\b(?:urge|urges|want|wanted|need|needing|going|tempted|craving) to cut\b(?! (?:back|down|out|"
            r"ties|costs|my hair|hair|the|a|some|off|carbs|sugar|caffeine|alcohol|dose|it|them|corners))",
        ),
        (
            "self_harm",
            r"\b(?:cutting|self harming|burning myself) again\b|\brelaps\w* (?:on|into|with|to|back to) "
            r"(?:self harm\w*|cutting|hurting myself|sh)\b|\b(?:self harm|cutting) relapse\b|\b(?:\d+|two|three|"
            r"four|five|six) (?:days|weeks|months|years) (?:clean|free) (?:from )?(?:self harm|cutting)\b",
        ),
        # harm to others
        (
            "harm_others",
            r"\b(?:want|wanted|wanna|going|gonna|plan|planning|planned|thinking about|thought about|"
            r"thoughts (?:about|of)|urge|urges|tempted|about|ready|need|intend|intending|fantasi[sz]e about|"
            r"fantasi[sz]ing about|dream about|dreaming about|keep thinking about|scared i will|afraid i will|"
            r"afraid i might|scared i might|could actually|i will|i am going|thinking of|thought of|considering|"
            r"feel like|feeling like|have the urge to|have an urge to|urge to)"
            r"(?: \w+){0,2}? (?:to )?(?:kill|killing|"
            r"murder|murdering|hurt|hurting|harm|harming|stab|stabbing|shoot|shooting|strangle|strangling|beat|"
            r"beating|attack|attacking|poison|poisoning|choke|choking|smother|smothering|drown|drowning|shake|"
            r"shaking|run over|blow up|torture|rape|burn down|set fire to) " + PERSON + r"\b",
        ),
        (
            "harm_others",
            r"\b(?:kill|murder|shoot|stab|hurt|attack) (?:everyone|everybody|them all|all of them|"
            r"as many|a lot of people|people)\b(?! (?:feelings|with kindness))",
        ),
        (
            "harm_others",
            r"\bshoot(?:ing)? up (?:the|my|a|his|her|their|our|that|this|old)(?: \w+)? (?:school|work|"
            r"workplace|office|place|church|mall|party|store|class|campus|base|building|clinic|hospital)\b",
        ),
        (
            "harm_others",
            r"\bmake (?:him|her|them|that \w+|the \w+) pay\b[^.?!]*\b(?:gun|knife|weapon|rifle|pistol|"
            r"where (?:he|she|they) lives?|tonight|hurt|kill)\b|\b(?:gun|knife|weapon|rifle|pistol)\b[^.?!]{0,60}"
            r"\b(?:make (?:him|her|them) pay|where (?:he|she|they) lives?|kill (?:him|her|them)|hurt (?:him|her|"
            r"them)|revenge)\b",
        ),
        # in danger: abuse, assault, threats
        (
            "danger.abuse",
            r"\b"
            + ACTOR
            + r"(?: \w+){0,2}? (?:hits|beats|kicks|punches|slaps|chokes|strangles|rapes|"
            r"abuses|hurts|threatens|molests|touches|grabs|pushes|shoves|strikes|burns|is (?:hitting|beating|"
            r"hurting|abusing|threatening|choking|following|stalking|attacking|raping|touching|coming after|"
            r"molesting|holding|trying to (?:hurt|kill|break|get)|kicking|punching|strangling|screaming at)|keeps "
            r"(?:hitting|beating|hurting|threatening|touching|coming into|coming in|grabbing|choking|abusing)) "
            r"(?:me|us|my (?:kids|children|baby|son|daughter|mom|sister|brother)|my body)\b",
        ),
        (
            "danger.abuse",
            r"\b" + ACTOR + r"(?: \w+){0,2}? (?:keeps|kept|is|has been) (?:coming into|coming in|"
            r"sneaking into|getting into) (?:my|our) (?:room|bed|bedroom)\b",
        ),
        (
            "danger.threat",
            r"\b(?:said|says|threatened|threatening|threatens|swore|swears|promised|warned|told me) "
            r"(?:that )?(?:he|she|they|hed|shed|theyd)?\s*(?:would|will|is going to|was going to|to|is gonna|gonna|"
            r"would come and|will come and)? ?(?:kill|hurt|beat|shoot|stab|kidnap|find|get|take) (?:me|us|my kids|"
            r"my children|my baby|my family|me and)\b",
        ),
        (
            "danger.threat",
            r"\b"
            + ACTOR
            + r" (?:\w+ ){0,2}?(?:has|have|got|is holding|pulled|pointed|is pointing) "
            r"(?:a|his|her|their|the) (?:gun|knife|weapon|rifle|pistol)\b[^.?!]{0,40}\b(?:me|threat\w*|kill|hurt|"
            r"at me)\b|\bthreatening me with\b|\bpointing a (?:gun|knife) at me\b|\bholding me at (?:gun|knife) ?point\b",
        ),
        (
            "danger.unsafe",
            r"\b(?:i am not|im not|i do not feel|i dont feel|i never feel|not feeling|i no longer feel|"
            r"i feel un|i am un|we are not|we do not feel) ?safe\b(?! (?:taking|using|doing|to take|to use|driving|on|"
            r"with (?:ketamine|the drug|the medication|this medication|esketamine|spravato|it|that treatment)|about|"
            r"trying|starting))",
        ),
        (
            "danger.unsafe",
            r"\b(?:i am|im|we are) (?:in danger|scared for my life|afraid for my life|fearing for my "
            r"life|terrified for my life|being (?:abused|hurt|followed|stalked|threatened|trafficked|held|beaten|"
            r"hit|watched|controlled|kept)|trapped (?:at home|in|with|here)|locked in|held against my will|hiding from "
            r"(?:him|her|them|my \w+))\b",
        ),
        (
            "danger.unsafe",
            r"\b(?:someone|somebody|a man|a guy|a woman|a stranger|people|he|she|they) (?:is|are) "
            r"(?:following|hurting|threatening|stalking|chasing|watching|outside|breaking into|trying to (?:hurt|kill|"
            r"break in|break into|get in|get into|get to|get at))(?: me| my| our| the|\b)",
        ),
        (
            "danger.unsafe",
            r"\b(?:broke|breaking|broken) (?:in|into) (?:my|our|the) (?:house|home|apartment|place|room|"
            r"flat)\b|\b(?:will not|wont|does not|doesnt|refuses to) let me (?:leave|go|out|call|escape)\b|"
            r"\blocked me (?:in|out|up)\b|\btook my (?:phone|keys|car keys|passport)\b[^.?!]{0,40}\b(?:leave|scared|"
            r"help|hurt)\b",
        ),
        (
            "danger.unsafe",
            r"\b(?:broke|breaking|broken|forced (?:his|her|their) way|got) (?:in|into (?:my|our|the) "
            r"\w+)\b[^.?!]{0,40}\b(?:will not leave|wont leave|refuses to leave|is (?:still )?(?:here|inside|in the)|"
            r"right now|tonight|hiding|scared|help me)\b",
        ),
        (
            "danger.unsafe",
            r"\bhiding (?:\w+ ){0,5}from (?:him|her|them|my \w+|someone|a man|a guy)\b",
        ),
        (
            "danger.unsafe",
            r"\b(?:scared|afraid|terrified|worried|fear|frightened) (?:that )?(?:he|she|they|my \w+) "
            r"(?:will|is going to|might|would|is gonna|could) (?:kill|hurt|beat|rape|attack|find|hit) (?:me|us|my "
            r"kids|my children)\b",
        ),
        (
            "danger.unsafe",
            r"\b(?:i have been|ive been|i am being|i am|im|we have been|we are being) (?:kidnapped|"
            r"abducted|trafficked|held hostage|held captive|taken hostage)\b",
        ),
        (
            "danger.drugged",
            r"\b(?:someone|somebody|he|she|they|a guy|a man) (?:\w+ )?(?:drugged|spiked|roofied|"
            r"put something in) (?:me|my)\b|\bi (?:think i )?(?:was|got|have been|am being) (?:drugged|roofied|"
            r"spiked|poisoned)\b",
        ),
        (
            "danger.recent_assault",
            r"\b(?:i was|i got|i have been|ive been|i am being|im being|i been|was|been|got) "
            r"(?:just |recently |)(?:raped|assaulted|sexually assaulted|attacked|beaten|beaten up|jumped|mugged|"
            r"stabbed|shot|drugged|kidnapped|abused|molested|strangled|choked|hit|threatened|trafficked)\b"
            r"[^.?!]{0,30}\b" + RECENT + r"\b",
        ),
        (
            "danger.recent_assault",
            r"\b(?:i was|i got|i have been|ive been|was) (?:just|recently) (?:raped|assaulted|"
            r"sexually assaulted|attacked|beaten|beaten up|jumped|mugged|stabbed|shot|drugged|kidnapped|molested)\b",
        ),
        (
            "danger.recent_assault",
            r"\b" + ACTOR + r"(?: \w+){0,2}? (?:hit|beat|kicked|punched|slapped|choked|"
            r"strangled|raped|assaulted|attacked|threatened|stabbed|pushed|shoved|burned|molested|grabbed) "
            r"(?:me|us)\b[^.?!]{0,30}\b" + RECENT + r"\b",
        ),
        (
            "danger.recent_assault",
            r"\b" + RECENT + r"\b[^.?!]{0,30}\b" + ACTOR + r"(?: \w+){0,2}? (?:hit|beat|kicked|"
            r"punched|slapped|choked|strangled|raped|assaulted|attacked|threatened|stabbed) me\b",
        ),
        # overdose and medical emergency
        (
            "medical.overdose",
            r"\b(?:i|he|she|they|we|someone|somebody|my \w+|(?:my|our) \w+ \w+)(?: \w+){0,2}? "
            r"(?:took|take|taken|have taken|swallowed|swallow|ate|drank|used|snorted|injected|had|did|popped|"
            r"downed|chugged)(?: \w+)? (?:way too|too much|too many|a lot of (?:pills|tablets|my|his|her|ketamine|"
            r"sprays)|way more|more than (?:\w+ )?(?:should|prescribed|i was supposed|the prescribed|allowed|my "
            r"dose|usual)|the whole|a whole|an entire|(?:his|her|their|my) whole|everything in|everything i had|"
            r"all of them|all of it|the lot|all (?:of )?(?:my|the|his|her|their) (?:pills|tablets|"
            r"sleeping pills|bottle|pack|box|medication|sprays|devices|oxy\w*|ketamine)|a bunch of|a handful of|"
            r"double|triple|twice|(?:\d+|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty) "
            r"(?:times|x) (?:my|the|his|her|a)|(?:\d{2,}|twenty|thirty|forty|fifty|a hundred) (?:of (?:my|the|his|"
            r"her|their) )?(?:\w+ )?(?:pills|tablets|sprays|devices|capsules)|a (?:bottle|pack|box|handful|bunch|"
            r"whole bottle|packet|strip) of)\b(?! as (?:prescribed|directed|usual))",
        ),
        (
            "medical.overdose",
            r"\b(?:i|he|she|they|someone|somebody|my \w+|we)(?: \w+){0,3}? (?:overdosed|is overdosing|"
            r"am overdosing|are overdosing|overdosing|has overdosed|have overdosed|just overdosed|overdose now)\b",
        ),
        (
            "medical.overdose",
            r"\b(?:i|he|she|they|someone|somebody|my \w+)(?: \w+){0,3}? (?:think|thinks|might|may) "
            r"(?:have |has )?(?:overdosed|overdose)\b|\boverdos(?:e|ing|ed) (?:right now|now|help)\b",
        ),
        (
            "medical.poisoning",
            r"\b(?:i|he|she|my \w+|my kid|my child|the baby)(?: \w+){0,2}? (?:swallowed|drank|"
            r"ate|took) (?:some |a |the )?(?:bleach|antifreeze|poison|detergent|cleaning|rat poison|my pills|"
            r"his pills|her pills|pills)\b",
        ),
        (
            "medical.breathing",
            r"\b(?:i|he|she|they|my \w+|we)(?: \w+){0,2}? (?:cannot|can not|could not|am unable to|"
            r"is unable to|struggling to|struggle to|having trouble|having difficulty|having a hard time|having "
            r"problems|having a problem|trouble|hard to|unable to|barely) (?:breathe|breath|breathing|catch "
            r"(?:my|his|her|their) breath|get air|get enough air)\b",
        ),
        (
            "medical.breathing",
            r"\b(?:is not|isnt|not|stopped|barely|has stopped|is barely|hardly) breathing\b|"
            r"\b(?:it is|its|it feels) (?:so |really |very )?hard to breathe\b|\b(?:i am|im|i feel) (?:very |really |"
            r"so )?short of breath\b|\bgasping for (?:air|breath)\b|\bchoking and cannot\b",
        ),
        (
            "medical.chest",
            r"\b(?:my|his|her) chest (?:hurts|is (?:\w+ )?(?:tight|hurting|heavy|burning|on fire|"
            r"aching|crushing|pounding|being crushed)|feels (?:\w+ )?(?:tight|heavy|crushed|like))\b|\b(?:i have|i am "
            r"having|im having|having|i got|got|i feel|feel|with|he has|she has|he is having|she is having|"
            r"sudden|crushing|severe|sharp|bad|terrible|worst|intense|horrible|awful) (?:\w+ )?(?:chest (?:pain|pains|"
            r"tightness|pressure)|pain in "
            r"(?:my|his|her) chest)\b",
        ),
        (
            "medical.collapse",
            r"(?<!\bam )(?<!\bwill )(?<!\bwould )(?<!\bdo )(?<!\bcould )\b(?:i|he|she|they|someone|somebody|my \w+|(?:my|our) \w+ \w+)(?: \w+){0,2}? "
            r"(?:fainted|passed out|blacked out|collapsed|is unconscious|unconscious|is unresponsive|unresponsive|"
            r"is not responding|isnt responding|not responding|will not wake up|wont wake up|cannot wake up|"
            r"does not wake up|is not waking up|keeps passing out|keeps fainting)\b",
        ),
        (
            "medical.collapse",
            r"\b(?:is not|isnt|not|will not|wont|is barely) (?:waking up|responding|responsive)\b|"
            r"\b(?:is not|isnt) (?:moving|breathing)\b",
        ),
        (
            "medical.seizure",
            r"\b(?:having|is having|am having|just had|started having|has had|keeps having) "
            r"(?:a |another )?(?:seizure|seizures|fit|fits|convulsions)\b|\b(?:is|are|am|started|keeps) "
            r"(?:seizing|convulsing|fitting)\b|\bseizing\b|\bconvulsing\b",
        ),
        (
            "medical.cyanosis",
            r"\b(?:lips|face|skin|fingers|fingertips) (?:are |is )?(?:turning |going |gone |look |"
            r"looks )?(?:blue|purple|grey|gray)\b",
        ),
        (
            "medical.stroke",
            r"\bface (?:is )?droop\w*|\bdrooping face\b|\bslurred speech\b|\bspeech is slurred\b|"
            r"\bslurring (?:my|his|her) words\b|\b(?:cannot|can not) (?:move|feel) (?:my|his|her) (?:arm|leg|face|"
            r"side|left|right)\b|\bnumb(?:ness)? on one side\b|\b(?:left|right) arm (?:is |went |has gone )?(?:numb|"
            r"tingling|weak|dead)\b|\bone side of (?:my|his|her) (?:face|body) (?:is )?(?:numb|drooping|weak)\b",
        ),
        (
            "medical.allergy",
            r"\b(?:throat|tongue) (?:is |feels )?(?:closing|swelling|swollen|tight)\b|\banaphyla\w+\b|"
            r"\b(?:lips|face) (?:are |is )?(?:swelling|swollen)\b|\bswelling up\b[^.?!]{0,20}\b(?:cannot|throat|"
            r"breathe)\b",
        ),
        (
            "medical.dying",
            r"\b(?:i feel like|feels like|i think|i am afraid|im afraid|i am scared|im scared) "
            r"(?:i am|im) (?:dying|going to die)\b(?![^.?!]{0,20}\b(?:during|when|whenever|every time|in my panic))",
        ),
        (
            "medical.emergency",
            r"\b(?:need|call|calling|get|send) (?:an |the )?ambulance\b|\bcall(?:ing)? 911 (?:now|"
            r"for)\b|\bsomeone call 911\b|\bcalling 911\b",
        ),
        (
            "medical.mix_emergency",
            r"\b(?:mixed|mixing|took|combined|combining|had) (?:ketamine|k|spravato|esketamine|"
            r"my \w+|pills|benzos|xanax|opioids|oxy\w*|fentanyl|heroin)\b[^.?!]{0,30}\b(?:with|and) (?:a bottle of |"
            r"lots of |a lot of )?(?:alcohol|vodka|beer|wine|benzos|xanax|opioids|heroin|fentanyl|pills|whiskey|"
            r"drinks|tequila|gin|rum)\b[^.?!]{0,40}\b(?:feel|dying|cannot|can not|sick|help|now|passed|pass out|"
            r"breath|scared|weird|heart)\b",
        ),
        # Spanish
        (
            "es.suicide",
            r"\b(?:me quiero morir|quiero morir(?:me)?|quisiera morir(?:me)?|me voy a morir hoy|"
            r"deseo morir|prefiero morir|me quiero matar|quiero matarme|voy a matarme|me voy a matar|pienso en "
            r"matarme|pensando en matarme|matarme|matarse|suicidarme|suicidarse|suicidar|me voy a suicidar|"
            r"quitarme la vida|quitarse la vida|me quito la vida|acabar con mi vida|terminar con mi vida|"
            r"poner fin a mi vida|no quiero (?:seguir )?vivir|no quiero estar vivo|no quiero estar viva|"
            r"no quiero existir|no quiero despertar|no vale la pena vivir|no quiero seguir viviendo|(?:ya )?no quiero "
            r"estar (?:mas )?aqui|mejor si (?:yo )?no (?:existiera|estuviera|viviera)|"
            r"la vida no vale la pena|"
            r"(?:ya )?no tiene sentido vivir|estar(?:ian|ia|an) mejor sin mi|mejor sin mi|dormir para siempre|"
            r"no despertar (?:nunca|mas|jamas)|ojala (?:estuviera muert[oa]|no despertara|no existiera|me muriera|"
            r"pudiera (?:morir|dormir))|desaparecer para siempre|"
            r"me siento suicida|estoy suicida|carta de despedida|quiero desaparecer(?! de (?:las |mis )?(?:redes|"
            r"internet|facebook|instagram|la oficina|mi trabajo)| (?:un|por un) (?:rato|tiempo|dia|fin))|"
            r"no quiero seguir (?:con vida|vivo|viva|aqui|existiendo)|(?:me )?voy a quitar la vida|quitar la vida|"
            r"acabar con todo|terminar con todo)\b",
        ),
        (
            "es.suicide",
            r"\b(?:tengo|tuve|tenia|estoy teniendo|me vienen|siento) (?:\w+ )?(?:pensamientos suicidas|"
            r"ideas suicidas|ganas de morir(?:me)?)\b|\b(?:pensamientos|ideas) suicidas (?:otra vez|de nuevo|todos los dias|"
            r"todo el tiempo|hoy|esta noche)\b|^\W*(?:pensamientos suicidas|ganas de morir)\W*$",
        ),
        (
            "es.self_harm",
            r"\b(?:cortar(?:me)? las venas|me quiero cortar|quiero cortarme|hacerme dano|hacerse dano|me hago dano|me hice dano a proposito|me quiero hacer dano|"
            r"lastimarme|me lastimo|cortarme|me corto|me estoy cortando|autolesion\w*|quemarme)\b",
        ),
        (
            "es.lethal",
            r"\b(?:cuant[oa]s? (?:\w+ ){0,3}(?:es|son|seria|serian|resulta) (?:mortal|mortales|letal|letales|"
            r"lethal|fatal)|dosis (?:letal|lethal|mortal|fatal)|(?:tome|tomo|me tome|he tomado|tuve|estoy teniendo|"
            r"quiero|voy a|para|hacer(?:me)?|provocar(?:me)?|causar(?:me)?|como|cuant\w*) (?:una |la )?sobredosis|"
            r"sobredosis de (?:\w+ ){0,2}(?:ahora|ya)|cantidad (?:letal|lethal|mortal)|cuant[oa]s? (?:\w+ ){0,4}"
            r"(?:para|hacen falta para|se necesita(?:n)? para|harian falta para) (?:morir|matar|una sobredosis|"
            r"no despertar))\b",
        ),
        (
            "es.danger",
            r"\b(?:me (?:amenazo|amenazaron|esta amenazando|amenazo con|amenaza con)|(?:con|tiene) un "
            r"(?:cuchillo|arma|pistola)\b[^.?!]{0,30}\b(?:me|matar)|me (?:pega|golpea|esta golpeando|esta pegando|amenaza|quiere matar|va a matar|"
            r"violo|violaron|ataco|atacaron|esta lastimando|lastima|sigue)|no estoy a salvo|no me siento segur[oa]|"
            r"tengo miedo de (?:el|ella|mi pareja|mi esposo|mi esposa|que me mate))\b",
        ),
        (
            "es.medical",
            r"\b(?:no puedo respirar|me duele el pecho|dolor (?:fuerte )?en el pecho|me desmaye|se desmayo|"
            r"esta inconsciente|no responde|no despierta|(?:tiene|tengo|esta teniendo|le dio|tuvo|le esta dando) (?:una )?"
            r"convulsion\w*|esta convulsionando|tome demasiad[oa]s?|tomo demasiad[oa]s?|"
            r"me tome todas|se tomo todas|tome todas|tomo todas|me tome (?:\w+ )?(?:pastillas|frasco|bote)|"
            r"(?:he|ha|han|hemos) tomado (?:muchas|demasiadas|todas|un frasco|un bote|\d+)|(?:tome|tomo|se tomo) "
            r"(?:muchas|\d+|un frasco|un bote) (?:de )?(?:mis |las |sus )?(?:pastillas|pildoras|tabletas))\b",
        ),
        (
            "medical.overdose",
            r"\b(?:i|he|she|they|we|someone|my \w+)(?: \w+){0,2}? (?:took|take|taken|swallowed|ate|had|popped|"
            r"downed)(?: like| about| around| maybe)? (?:\d+|five|six|seven|eight|nine|ten|twelve|fifteen|twenty)"
            r" (?:of )?(?:my|his|her|the|their)? ?\w+\b[^.?!]{0,40}\b(?:and|with|plus) (?:some |a lot of |a bottle "
            r"of )?(?:wine|vodka|alcohol|beer|whiskey|drinks|booze|pills)\b|\b(?:took|take|swallowed|popped) (?:like |"
            r"about |around |maybe )?(?:\d{2,}|fifteen|twenty|thirty|forty|fifty) (?:of )?(?:my|his|her|the)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:close my eyes|go to sleep|fall asleep|sleep|lie down) and (?:not|never) (?:open them|wake up|come "
            r"back|get up)(?: again| ever)?\b",
        ),
        (
            "suicide.method",
            r"\b(?:stockpil\w+|hoard\w*|stash\w*|saving up|saved up) (?:all )?(?:of )?my \w+",
        ),
        (
            "lethal.dose",
            r"\b(?:that|which) (?:would|could|will|might) stop (?:my|your|the|his|her|someones) (?:breathing|heart)\b|"
            r"\b(?:be|is|are|get) (?:fatal|lethal|deadly)\b[^.?!]{0,30}\b(?:at once|in one go|all together)\b|"
            r"\b(?:\d+|a lot of|all|the whole|too many) (?:\w+ )?(?:mg|milligrams|sprays|devices|pills|doses|vials|"
            r"tablets|lozenges|troches)\b[^.?!]{0,30}\b(?:be|is|are) (?:fatal|lethal|deadly)\b|\bhow (?:lethal|"
            r"deadly|fatal|toxic) is\b[^.?!]{0,40}\b(?:if (?:you|i|someone) (?:take|took|use|used)|a lot|too much|"
            r"at once|overdose)\b",
        ),
        (
            "suicide.direct",
            r"\bjump(?:ing)? (?:off|from|in front of) (?:a|the|my|this|that) (?!(?:diving board|trampoline|"
            r"bandwagon|couch|bed|boat|dock|page|topic|sofa|stage|swing|plane|high dive|diving|ladder|step|"
            r"stairs|wall bars|box)\b)\w+",
        ),
        (
            "danger.unsafe",
            r"\bhiding in (?:the|my|a) (?:closet|bathroom|basement|car|attic|room|bedroom|cupboard|wardrobe)\b|"
            r"\b(?:a man|a guy|someone|a stranger|an intruder|somebody|a woman) (?:is |broke )?(?:in|inside|into) "
            r"(?:my|our|the) (?:apartment|house|home|room|flat|bedroom)\b",
        ),
        (
            "es.suicide",
            r"\b(?:dejar de vivir|dejar de existir|pensando en (?:el )?suicid\w*|pienso en (?:el )?suicid\w*)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:cannot|can not) live with (?:this|these|it|the \w+|my \w+)(?: \w+)? (?:anymore|any longer|much "
            r"longer)\b|\bwhy (?:bother|even bother|keep|should i keep) (?:living|going on|trying to live|being alive|"
            r"staying alive|waking up)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:already )?(?:chosen|picked|chose|found|scouted) (?:the|a|my) (?:bridge|spot|place|building|method|"
            r"date|day|rope|tree|cliff|overpass)\b(?! (?:for (?:the|our|my) (?:wedding|party|picnic|photos?|trip|"
            r"vacation)))",
        ),
        (
            "danger.abuse",
            r"\b(?:is|keeps|was|has been) (?:\w+ ){0,2}(?:hitting|beating|hurting|choking|kicking|punching|abusing) my "
            r"(?:\w+ )?(?:kids?|children|baby|son|daughter|mom|mother|sister|brother|wife|husband|partner)\b",
        ),
        # --- paraphrase families added after the first blind probe round -----------------------
        # slang verbs for killing oneself
        (
            "suicide.direct",
            r"\b(?:end|delete|rope|neck|unalive|erase|off) myself\b|\bself delet\w*\b|\bcatch the bus\b"
            r"(?= (?:tonight|soon|for real|fr)\b)",
        ),
        # "going to end things", "can finally end it", "will just end it all"
        (
            "suicide.direct",
            r"\b(?:going to|gonna|will|can|could|should|might|want to|need to|about to|ready to|plan to|"
            r"decided to|finally|just) (?:just |finally |really |actually |go )?end (?:things|it all|it|"
            r"everything|my pain|this pain|this)(?=\s*(?:[.?!,;]|$| (?:for good|forever|tonight|now|once and for "
            r"all|permanently|all|soon|today|right now|already|and|so|before|because|if|when)\b))(?![^.?!]{0,25}\b(?:relationship|marriage|job|"
            r"contract|lease|treatment|therapy|session|subscription|conversation|chat)\b)",
        ),
        # the easiest/best way "to go", "which is less painful, pills or hanging"
        (
            "suicide.method",
            r"\b(?:painless|painlessly|quick|quickest|fast|fastest|easy|easiest|peaceful|peacefully|surest|"
            r"gentlest|least painful|most painless|best|cleanest|most reliable|most certain)\b(?: \w+){0,2} "
            r"(?:way|ways|method|methods|option) (?:to|of) (?:go|die|do it|end it|check out|leave|exit|pass|"
            r"not wake up|end things|kill myself|get it over with)\b",
        ),
        (
            "suicide.method",
            r"\b(?:less|least|more|most) (?:painful|lethal|effective|reliable|certain|deadly|peaceful)\b"
            r"[^.?!]{0,40}\b(?:pills|hanging|jumping|a gun|gun|shooting|drowning|overdos\w*|cutting|gas|"
            r"carbon monoxide|bleeding out|the train|a train|poison|slitting)\b|\b(?:pills|hanging|jumping|"
            r"gun|drowning|overdos\w*|cutting|gas|carbon monoxide|bleeding out|poison)\b (?:or|vs|versus) "
            r"(?:\w+ )?(?:pills|hanging|jumping|gun|drowning|overdos\w*|cutting|gas|carbon monoxide|bleeding "
            r"out|poison|the train|a bridge)\b",
        ),
        # "looking up how many tylenol it takes", "how many of my lithium would it take"
        (
            "lethal.dose",
            r"\bhow (?:much|many) (?:of )?(?:my |these |the |those |his |her )?(?:\w+ )?"
            + PILL_WORD
            + r" (?:it takes|it would take|would it take|does it take|would be enough|is enough|do i need|"
            r"would i need|it will take)\b(?! (?:to|for|before|until) (?:work|help|kick in|feel|start|notice|"
            r"see|get better|improve|reach|build|take effect|wear off|clear))",
        ),
        # "what happens if I take my entire bottle of sertraline", "swallow the whole box"
        (
            "lethal.dose",
            r"\b(?:i|if i|what if i|happens if i|were to|i am going to|i will|i want to|going to|should i)\b"
            r"(?: \w+){0,2}? (?:take|took|swallow|swallowed|use|used|down|downed|drink|drank|snort|inject|"
            r"empty|finish) (?:my |the |a |an |all my |all of my |this )?(?:whole|entire|full|complete) "
            r"(?:bottle|box|pack|packet|supply|prescription|month|months|stash|script|refill|vial|batch)\b",
        ),
        # an overdose or lethality question from someone who says they hold the means
        (
            "lethal.dose",
            r"\b(?:overdose|od|lethal|fatal|deadly|kill|die|enough)\b[^.?!]{0,60}[.?!]?[^.?!]{0,10}\bi "
            r"(?:have|got|have got|saved|collected|kept|stashed) (?:\d{2,}|twenty|thirty|forty|fifty|sixty|"
            r"seventy|eighty|ninety|a hundred|hundreds|a (?:whole |full )?(?:bottle|box|stash|pile))\b|\bi "
            r"(?:have|got|have got|saved|collected) (?:\d{2,}|twenty|thirty|forty|fifty|sixty|a hundred|a "
            r"(?:whole |full )?(?:bottle|box|stash))\b[^.?!]{0,40}[.?!]?[^.?!]{0,40}\b(?:overdose|od|lethal|"
            r"fatal|deadly|kill|die|enough|too many|too much)\b",
        ),
        # asking about suicide "for me", insurance and suicide clauses about oneself
        (
            "suicide.indirect",
            r"\b(?:suicide|suicidal|overdos\w*|lethal|kill myself|die|dying)\b[^.?!]{0,80}\basking (?:for "
            r"(?:me|myself)|because of me|about me)\b|\basking for (?:me|myself)\b[^.?!]{0,60}\b(?:suicide|"
            r"overdos\w*|lethal|die|dying)\b|\bsuicide clause\b|\b(?:life )?insurance\b[^.?!]{0,50}\b(?:pays? "
            r"out|cover\w*|count)\b[^.?!]{0,30}\b(?:suicide|if i (?:die|died|kill myself))\b|\bbetter off "
            r"(?:\w+ ){0,3}(?:with|collecting|getting|having) (?:the |my )?(?:life )?insurance\b|\b(?:look|"
            r"looks|make it look|seem|seems) like an accident\b",
        ),
        # "I don't trust myself to be alone", "can't promise I'll be safe", "do something stupid tonight"
        (
            "suicide.unsafe_self",
            r"\b(?:do not|cannot|can not|no longer) trust myself\b(?! (?:to (?:cook|drive|choose|decide|"
            r"make decisions|spend|budget|remember)|with (?:money|food|sweets|chocolate|my credit|"
            r"cash|shopping|alcohol in the house)))|\b(?:cannot|can not|will not|not able to|unable to|do "
            r"not think i can) (?:promise|guarantee|say|tell you) (?:that )?i (?:will|can|would|am going to) "
            r"(?:be|stay|keep myself) (?:safe|alive|okay|ok)\b|\b(?:going to|gonna|might|about to|scared i "
            r"will|afraid i will|worried i will|will) do something (?:stupid|drastic|crazy|dumb|permanent|"
            r"terrible|bad|i (?:cannot|can not) (?:take back|undo)|i will regret)\b[^.?!]{0,25}\b(?:tonight|"
            r"today|now|soon|to myself|right now|this time)\b|\bdo something (?:stupid|drastic|permanent) to "
            r"myself\b|\b(?:not|do not feel|dont feel) safe (?:with|around|from|by) myself\b|\b(?:afraid|"
            r"scared|terrified) of myself\b",
        ),
        # at the edge, looking down; going back to the tracks or the bridge
        (
            "suicide.indirect",
            r"\b(?:edge|ledge|railing|top) of (?:the|a|my|this) "
            + HEIGHT
            + r"\b[^.?!]{0,50}\b(?:looking "
            r"down|look down|stare down|staring down|thinking|think about|jump\w*|fall|lean|step off|let go|"
            r"how easy)\b|\b(?:keep|kept|been|started|i) (?:going|walking|driving|standing|sitting) (?:to|"
            r"on|up to|near|by) (?:the|a) (?:edge|ledge|"
            + HEIGHT[3:-1]
            + r")\b[^.?!]{0,40}\b(?:looking down|"
            r"look down|thinking|jump\w*|fall|how easy|wait\w* for (?:the|a) train|step)\b",
        ),
        # starving on purpose, punishing oneself
        # command hallucinations
        (
            "suicide.command_voices",
            r"\b(?:voices?|something|someone|it) (?:in my head )?(?:keeps? |is |are |keep )?(?:tell|telling|"
            r"told|say|saying|says|want|wants|order\w*|command\w*|urg\w*) (?:me )?(?:to|i should) (?:hurt|"
            r"kill|harm|cut|end|jump|die|do it|stab|shoot|burn)\b",
        ),
        # passive: "better/happier if I just wasn't around", "easier to just not be here"
        (
            "suicide.passive",
            r"\b(?:better|happier|easier|simpler|lighter|relieved|fine|okay|better off|relief)\b[^.?!]{0,40}"
            r"\bif i (?:just |simply |finally |were to |was to |could just )?(?:was|were|am|had|did|could)? ?"
            r"(?:not|never|no longer) (?:\w+ )?(?:here|around|alive|born|exist\w*|in (?:the picture|their "
            r"lives|the way))\b|\b(?:better|happier|easier|simpler|lighter|relieved|better off)\b[^.?!]{0,40}"
            r"\bif i (?:just |simply |finally )?(?:was|were|am)? ?(?:gone|dead|disappeared|died|vanished|"
            r"ceased to exist|killed myself)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:easier|better|simpler|nicer|best|a relief|kinder) (?:to|if i|for me to) (?:just |simply |"
            r"finally )?(?:not be (?:here|around|alive)|disappear|die|be dead|not exist|not wake up|stop "
            r"existing|fall asleep forever|stop breathing|give up (?:on life|for good)|not be in this world)\b",
        ),
        (
            "suicide.passive",
            r"\bwish (?:\w+ ){0,5}(?:had |would have |could have )?(?:gotten|got|taken|took|hit|killed|finished)"
            r" me(?: too| instead| as well| also|\b)|\bwish i (?:would|could|will) (?:just |simply |finally |"
            r"quietly |peacefully )?die\b|\bshould (?:have|of) been me\b|\bwish i (?:was|were) (?:the one "
            r"who|with them)\b",
        ),
        (
            "suicide.passive",
            r"\b(?:i am|im|i feel|feel) (?:so |just |really )?(?:tired|sick|exhausted|done|worn out) (?:of|"
            r"from|with) (?:being alive|existing|living|life itself|breathing|waking up)\b|\bexhausted from "
            r"living\b|\bno (?:reason|point) (?:to|in) (?:keep(?:ing)? )?(?:going|living|trying|going on)\b|\b(?:what|"
            r"whats) (?:is )?the point (?:anymore|of (?:it all|any of (?:this|it)|me|going on|living|trying|waking "
            r"up))\b|\bwhat is the point\W*$",
        ),
        # "won't need them where I'm going", "I want them to know it wasn't their fault"
        # in the car with a hose; "and then take all my pills"; a weapon within reach
        (
            "suicide.direct",
            r"\b(?:sitting|sat|am|waiting|i am) in (?:my|the) (?:car|garage|truck)\b[^.?!]{0,20}\bwith (?:a|the) "
            r"(?:hose|charcoal|engine running|car running|exhaust)\b|\b(?:then|and then|going to|gonna|will|i "
            r"will|plan to|want to|about to) (?:just )?(?:take|swallow|down) (?:all|every one|everything|the "
            r"rest) (?:of )?(?:my|the|these|those) (?:\w+ )?(?:pills|tablets|medication|sleeping pills|"
            r"painkillers)\b(?! (?:in the morning|at (?:breakfast|night|bedtime|once a day)|with (?:food|"
            r"breakfast|water)|as prescribed|on time|every day|daily|at the same time))",
        ),
        (
            "suicide.direct",
            r"\b(?:"
            + WEAPON[3:-1]
            + r"|rope|noose|blades?|razors?|knife)\b[^.?!]{0,40}\b(?:next to me|beside "
            r"me|in front of me|in my hand|in my hands|in my lap|on my lap|in my mouth|to my head|against my "
            r"head|under my chin)\b(?![^.?!]{0,30}\b(?:when i sleep|at night|for (?:protection|safety)|because "
            r"(?:of|i)|since)\b)",
        ),
        # taking the family "with me"
        (
            "harm_others",
            r"\btak(?:e|ing) (?:my (?:\w+ )?(?:kids|children|son|daughter|baby|babies|family|wife|husband)|them|"
            r"the kids) with me\b[^.?!]{0,40}\b(?:so (?:they|he|she)|when i (?:go|die|leave)|if i (?:go|die)|"
            r"(?:do not|wont|will not) have to suffer|suffer|in death|to heaven|too)\b",
        ),
        # "going over there tonight with my gun", "make my abuser pay ... gun"
        (
            "harm_others",
            r"\b(?:going|heading|drive|driving|go) (?:over )?(?:there|to (?:his|her|their) (?:house|place|"
            r"work|apartment|job)|after (?:him|her|them))\b[^.?!]{0,40}\bwith (?:my|a|the|his|dads) (?:\w+ )?"
            r"(?:"
            + WEAPON[3:-1]
            + r"|knife|bat|axe|machete)\b|\bmake (?:my |that |the |this )?(?:\w+ ){0,2}"
            r"(?:pay|suffer)\b[^.?!]{0,70}\b(?:" + WEAPON[3:-1] + r"|knife|weapon|ammo)\b",
        ),
        # danger: held, locked in, threatened "if I tell anyone", forced
        (
            "danger.unsafe",
            r"\b(?:has|have|got|keeps|is keeping|kept) me (?:locked|trapped|tied|chained|shut) (?:in|up|"
            r"inside|here)\b|\b(?:took|takes|hid|hides|smashed|broke) my (?:phone|keys|car keys|passport|id)\b"
            r"[^.?!]{0,50}\b(?:locked|cannot leave|will not let|using (?:my|a) \w+|help|scared|hurt)\b",
        ),
        (
            "danger.threat",
            r"\b(?:said|says|threatened|swore|swears|told me|warned|warns|texted|keeps saying)\b[^.?!]{0,45}"
            r"\b(?:he|she|they|hed|shed|theyd)\b (?:would|will|is going to|was going to|gonna|is gonna|would "
            r"come and|will come and|could) (?:kill|hurt|beat|shoot|stab|kidnap|take|come after|find|burn|"
            r"rape|get) (?:me|us|my)\b",
        ),
        (
            "danger.assault",
            r"\bforced (?:himself|herself|themselves) (?:on|upon|onto) me\b|\b(?:he|she|they|a guy|a man|"
            r"someone|somebody|my \w+) (?:raped|sexually assaulted|molested) me\b(?![^.?!]{0,30}\b(?:years? "
            r"ago|when i was|as a (?:kid|child|teen)|in (?:19|20)\d\d)\b)",
        ),
        # someone else in danger: weapon out and "done", farewell and unreachable (see also COMBOS)
        (
            "suicide.third_party",
            r"\b(?:my|our|his|her) (?:\w+ )?(?:friend|brother|sister|son|daughter|mom|dad|mother|father|"
            r"husband|wife|partner|boyfriend|girlfriend|roommate|kid|child|buddy|coworker|cousin|uncle|aunt|"
            r"teen|teenager|student|grandpa|grandma|veteran|battle buddy|bestie|bff|classmate|flatmate|"
            r"housemate|fiance|fiancee|stepson|stepdaughter|nephew|niece)\b(?: \w+){0,6}? (?:is|says|said|keeps saying|"
            r"talking about|talks about|told me|mentioned|texted|wrote|posted)\b(?: \w+){0,4}? (?:ending it|end "
            r"it all|ending things|ending (?:his|her|their) life|not (?:being|wanting to be) (?:here|around|alive)|"
            r"wanting to die|wants to die|want to die|not wanting to live|(?:he|she|they) (?:is|are) done(?! (?:with|"
            r"at|for|eating|talking|working|early|today))|"
            r"(?:he|she|they) (?:has|have) a plan|(?:he|she|they) (?:cannot|can not) go on|(?:is|are) going to "
            r"end it)\b",
        ),
        # third person farewells ("my son posted a goodbye and won't answer") are in COMBOS
        # Spanish: leaving this world, no meaning, tired of living, against myself, third person
        (
            "es.suicide",
            r"\b(?:me quiero ir|quiero irme|me voy a ir|irme|irse) de este mundo\b|\bdejar este mundo\b|\bno "
            r"(?:le )?(?:veo|encuentro) (?:el |ningun |ni un )?sentido (?:a|de|en) (?:la vida|mi vida|vivir|"
            r"seguir)\b|\b(?:la|mi) vida no tiene (?:ningun )?sentido\b|\bno tiene sentido (?:seguir|vivir)\b|"
            r"\b(?:cansad[oa]|hart[oa]|agotad[oa]) de (?:vivir|la vida|existir|estar viv[oa])\b|\bmejor si "
            r"(?:yo )?(?:me )?(?:muriera|muero|desapareciera|no estuviera)\b|\bojala (?:me )?(?:muriera|"
            r"muera)\b|\bquisiera (?:estar )?muert[oa]\b|\busarl[oa]s? contra mi\b|\bcontra mi mism[oa]\b|"
            r"\b(?:pastillas|pildoras) (?:listas|preparadas|contadas|juntadas)\b|\b(?:esta noche|hoy|manana) "
            r"lo hago\b|\blo voy a hacer (?:esta noche|hoy|manana)\b|\bse (?:va a|quiere|piensa) (?:matar|"
            r"suicidar|morir|quitar la vida)\b|\bquiere (?:matarse|suicidarse|morirse|quitarse la vida)\b|"
            r"\b(?:ya )?no quiero (?:estar|seguir) (?:aqui|en este mundo|viv[oa])\b|\bquiero desaparecer\b(?! (?:de "
            r"(?:las |mis )?(?:redes|internet|facebook|instagram|la oficina|mi trabajo|aqui un)|(?:un|por un) "
            r"(?:rato|tiempo|dia|fin)))",
        ),
        # --- families added after the mid-course check ------------------------------------------
        (
            "suicide.indirect",
            r"\b(?:drove|drive|driving|walked|walk|went|go|going|keep going|been going|ended up) (?:back )?"
            r"(?:up )?to (?:the|a) (?:bridge|cliff|tracks|train tracks|overpass|ledge|rooftop|roof|dam)\b"
            r"[^.?!]{0,40}\b(?:again|sat there|sat on|stood there|stood on|stared|staring|looking down|for (?:an|a|"
            r"\d+) (?:hour|while|minutes?))\b(?![^.?!]{0,20}\b(?:traffic|view|photos?|picnic|walk the dog)\b)|"
            r"\b(?:think|thinking|thought|fantasi\w+|urge|urges|tempted) (?:about |of )?(?:to )?jump(?:ing)?\b"
            r"(?! (?:into (?:the |a )?(?:pool|lake|water|conversation|project|job|ocean|river for)|in (?:the|a) "
            r"(?:pool|lake)|rope|on (?:the|a) (?:trampoline|bandwagon|call|plane)|at the chance|ahead|ship|"
            r"back in))",
        ),
        (
            "suicide.passive",
            r"\b(?:world|everyone|everybody|family|they|kids|wife|husband|people|friends|earth|this place)\b"
            r"[^.?!]{0,20}\b(?:better|happier|easier)(?: off)? without me\b|\bif i am (?:gone|dead|not here|not "
            r"around|not alive) (?:by )?(?:tomorrow|tonight|soon|next week|in the morning)\b|\b(?:tired|sick|"
            r"exhausted) of being (?:a burden|a problem|a bother|alive|here)\b|\b(?:none of it|nothing|it|life) "
            r"is (?:not )?worth it anymore\W*(?:none of it|nothing is)?\W*$|\bnone of it is worth it\b|"
            r"\b(?:be|finally be|set myself|get) free (?:of|from) (?:\w+ ){0,3}(?:pain|suffering|this life|it all|"
            r"everything|this world)\b[^.?!]{0,20}\b(?:forever|for good|permanently|tonight|soon)\b|\bgiv(?:e|"
            r"ing|en) (?:all )?(?:of )?(?:my )?(?:stuff|things|belongings|possessions|everything) away\b|\bgiv(?:e|"
            r"ing|en) away (?:all )?(?:of )?(?:my )?(?:stuff|things|belongings|possessions|everything)\b",
        ),
        (
            "suicide.indirect",
            r"\binsurance (?:money|payout|policy|pay out)\b[^.?!]{0,40}\bif i (?:die|died|was gone|were gone|killed "
            r"myself|am gone)\b|\b(?:best|only|kindest|last) thing i (?:can|could) (?:do|give) (?:for (?:her|him|them|"
            r"my \w+|everyone))? is (?:to )?(?:die|disappear|leave|go|end it|not be here|be gone)\b|\bthat is the best "
            r"thing i (?:can|could) do for (?:her|him|them|my \w+|everyone)\b",
        ),
        (
            "lethal.dose",
            r"\b(?:swallow|take|taking|swallowing|down|drink|drinking|eat)\w* (?:everything|all (?:of )?(?:the |my )?"
            r"(?:pills|meds|medication|medicine|tablets)|every pill) (?:in|from) (?:my|the) (?:medicine cabinet|"
            r"medication cabinet|cabinet|"
            r"drawer|bathroom|house|cupboard|bag)\b",
        ),
        (
            "danger.recent_assault",
            r"\b"
            + ACTOR
            + r" (?:\w+ )?(?:just|again|now|tonight)(?: \w+)? (?:hit|beat|kicked|punched|slapped|"
            r"choked|strangled|raped|assaulted|attacked|stabbed|pushed|shoved|threw|burned|grabbed) me\b",
        ),
        (
            "danger.unsafe",
            r"\b(?:someone|somebody|a man|a guy|a woman|a stranger|people|he|she|they|my ex)(?: who)? (?:is |are )?"
            r"(?:trying to (?:break in|break into|get in|get into|open (?:my|the) door)|breaking into|banging on "
            r"(?:my|the) (?:door|window))\b",
        ),
        (
            "suicide.passive",
            r"\b(?:i am|im|i feel like|feel like|just) (?:such |a complete |a total |nothing but )?(?:a )?waste "
            r"of (?:oxygen|space|air|skin|a life|life|a human)\b",
        ),
        (
            "suicide.farewell",
            r"\b(?:left|leaving|wrote|written) (?:a|my|the) (?:note|letter|goodbye)\b(?: \w+){0,6}? (?:for|to) "
            r"(?:my|the) (?:\w+ )?(?:husband|wife|partner|kids|children|son|daughter|mom|mother|dad|father|family|"
            r"parents|boyfriend|girlfriend|sister|brother)\b(?=\s*(?:[.?!]|$))",
        ),
    ]
)
CRISIS_FP = _table(
    [
        (
            "suicide.direct",
            r"\b(?:am|feel|feeling|felt|been|become|becoming|getting|get|got|so|very|really|pretty|"
            r"extremely|super|actively|passively|kind of|a bit|little|bit|quite|more|increasingly|always|often|"
            r"constantly|seriously|incredibly|still|currently|now) suicidal\b",
        ),
        (
            "suicide.direct",
            r"\bsuicidal (?:again|tonight|today|right now|now|lately|recently|these days|all the time|"
            r"every day|everyday|and alone|and scared|and i)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:i|ive)(?: \w+){0,4}? (?:have|having|get|getting|got|had|experience|experiencing|"
            r"fight|fighting|battling|struggling with|dealing with|think|thinking)(?: \w+){0,3}? (?:suicidal|suicide) "
            r"(?:thoughts|ideation|feelings|urges|thinking|impulses|ideas)\b",
        ),
        (
            "suicide.direct",
            r"\b(?:commit|committing|commiting|attempt|attempting|attempted|contemplat\w*|consider\w*|"
            r"plan|planning|planned|think\w* (?:about|of)|thought (?:about|of)|thoughts of|going to|gonna|want to|"
            r"wanna|about to|ready to|decided on|decide on|decided to|choose|chose|do|doing|try|tried|trying) "
            r"(?:\w+ )?suicide\b",
        ),
        ("suicide.direct", r"\bsuicide (?:tonight|today|this weekend|now|soon|again)\b"),
        (
            "suicide.direct",
            r"\b(?:suicidal|suicide) (?:thoughts|ideation|urges|feelings)\b(?: \w+)? (?:all day|every day|"
            r"everyday|constantly|all the time|again|tonight|today|lately|right now|are back|came back|keep coming|"
            r"will not stop|wont stop|are getting worse|every night)\b",
        ),
        (
            "suicide.direct",
            r"^\W*(?:so |very |really |feeling |feel |i feel |am |i am )?suicid(?:e|al)\W*$",
        ),
        (
            "self_harm",
            r"\b(?:i|ive|been|keep|kept|started|start|still|again|relapsed|relapse|urge|urges|want|wanna|"
            r"going|thinking|tempted|scared|afraid|cannot stop|do|did|back to)\b(?: \w+){0,3}? self (?:harm\w*|"
            r"injur\w*|mutilat\w*)\b",
        ),
    ]
)


# ---------------------------------------------------------------------------------------
# Weak cues, and the pairs of them that make a crisis together. No cue is a crisis on its own
# ("I bought a rope", "I wrote letters to my kids", "I'm exhausted"); two cues of different
# families in one message are ("I have the rope already, I just need to pick a day").
# Cues are matched on the masked text, except those in CUES_ON_RAW (the mask that removes
# "died by suicide" must not hide that someone died).
# ---------------------------------------------------------------------------------------
CUES = _table(
    [
        # act: a veiled word for suicide ("end things", "my exit", "check out", "not be here")
        (
            "act",
            r"\b(?:end|ending|ended) (?:things|it all|it|everything|my pain)\b(?! (?:with|between|for (?:the|a|"
            r"my|now)|on|at|off|up|early|by|in))|\b(?:my|an|the) (?:exit|way out|exit plan|final exit)\b"
            r"(?! (?:of|from|door|sign|interview|survey|ramp|strategy))|\bcheck(?:ing)? out\b(?! (?:the|a|an|"
            r"some|this|that|these|those|my|your|of|ketamine|\w+ (?:clinic|website|book|page|article|study)|"
            r"at|with|early from))|\b(?:not be|no longer be|will not be) (?:here|around)\b|\bbe gone\b|"
            r"\bdisappear\b(?! (?:for (?:a|the) (?:\w+ )?(?:week|day|while|weekend|bit|hour)|from (?:social "
            r"media|the internet|work)|after|when|on)\b)|\bleave (?:this|the) (?:world|earth|planet)\b|"
            r"\bgo to sleep (?:and|for)\b|\bnot (?:wake|waking) up\b|\bstop (?:existing|breathing|being alive)\b|"
            r"\bit (?:all )?(?:to )?(?:stop|end)\b[^.?!]{0,12}\b(?:for good|permanently|forever)\b|"
            r"\bgive up on (?:life|myself|living|everything)\b|\bfinal (?:step|act|decision)\b|\bme voy\s*"
            r"(?:[.?!,]|$)|\bquiero irme\s*(?:[.?!,]|$)|\bacabar con (?:esto|todo)\b|\bya no estar\b|\b(?:think|"
            r"thinking|thoughts|obsess\w*|fixat\w*|dream\w*) (?:about|on|over|of) (?:death|dying|my death|not "
            r"being here|not existing)\b|\b(?:drink|drinking) (?:myself )?(?:until|till) i (?:cannot|can not|do "
            r"not) feel\b|\bdrink myself to death\b",
        ),
        # act_vague: "do it", "go through with it" (weaker: pairs only with plan, means, farewell)
        (
            "act_vague",
            r"\b(?:do it|go through with it|follow through|finish it|get it over with|do the deed)\b"
            r"(?! (?:again|right|correctly|properly|safely|at the clinic|with (?:my|a|the) (?:doctor|therapist)))",
        ),
        # plan: a date, a deadline, a decision, the courage, researching how
        (
            "plan",
            r"\bpick(?:ed|ing)? (?:a|the|out a|out the) (?:day|date|time|night|spot|place|bridge|method)\b|"
            r"\bset (?:a|the) (?:date|day)\b|\bcounting (?:down )?(?:the )?(?:days|hours|minutes)\b|\bmade "
            r"(?:my )?peace with\b|\b(?:courage|guts|nerve|balls|strength|bravery) to (?:do it|go through|"
            r"follow through|end|finally|actually|just|act)\b|\btonight is the night\b|\btoday is the day\b|"
            r"\bwhile (?:my|the|everyone|everybody|they|he|she) (?:\w+ )?(?:is|are) (?:away|out|asleep|gone|"
            r"at work|on vacation|out of town)\b|\bafter (?:my|the|our) (?:\w+ )?(?:birthday|funeral|"
            r"wedding|graduation|holidays|christmas|anniversary)\b|\b(?:the |my )?(?:last|final) (?:time|"
            r"night|day|week|message|goodbye|chance|try|attempt)\b|\bone last (?:time|look|message|thing|"
            r"night|day|try)\b|\bno turning back\b|\b(?:everything|it all|all|things) (?:is|are) "
            r"(?:arranged|ready|planned|set|sorted|in place|taken care of|in order|prepared)\b|\b(?:affairs|"
            r"things|everything) (?:are |is )?in order\b|\b(?:starting|started|begun|beginning|begin) to plan\b|\bplanning "
            r"(?:it|how|when|my exit|the day|the date|my (?:own )?death)\b|\b(?:researching|looking up|looked "
            r"up|googled|googling|searching|searched|reading up on)\b[^.?!]{0,20}\b(?:how (?:to|many|much|"
            r"long|high)|ways|methods|what dose|which)\b|\b(?:decided|made up my mind|it is decided|have "
            r"decided)\b(?! to (?:try|start|go|get|do (?:the|a|ketamine|therapy)|ask|see|book|talk|call|"
            r"switch|change|stop (?:my|the)|quit (?:my|the|smoking|drinking)))|\bmade (?:my|the|a) (?:final )?"
            r"decision\b(?! (?:to|about|on) (?:try|start|go|get|do|ask|see|book|switch|change|stop|quit))|"
            r"\b(?:the|my) plan is (?:set|ready|made|final|in place|done|happening)\b|\bya (?:tome|tengo|he "
            r"tomado) (?:la|mi) decision\b|\bya lo decidi\b|\b(?:decided|made up my mind|it is decided|have "
            r"decided)\b(?! to (?:try|start|go|get|do (?:the|a|ketamine|therapy)|ask|see|book|talk|call|"
            r"switch|change|stop (?:my|the)|quit (?:my|the|smoking|drinking)))|\bdeal with myself\b|\bpromised "
            r"myself\b|\bgave myself (?:until|till|one more|a deadline)\b|\bif (?:this|it|the \w+|ketamine|"
            r"treatment|spravato|nothing) (?:does not|doesnt|fails|will not|does not) (?:work|help|change)\b|"
            r"\bafter (?:that|this)\b[^.?!]{0,20}\b(?:i am|i will|im) (?:done|out|gone|checking out)\b|\b(?:keep|"
            r"kept) telling myself\b|\bjust (?:need|have) to (?:pick|choose|find|decide|wait for)\b",
        ),
        # means: holding, having or standing at the means
        (
            "means",
            r"\b(?:i have|i got|i have got|i bought|just bought|bought|got|have|holding|hold|sitting with|sat "
            r"with|keep|kept|hid|hidden|hiding|stashed|grabbed|took out|got out|pulled out|loaded|cleaned|"
            r"has|has got|is holding)\b (?:a |the |my |his |her |their |some |a new |my dads |my dads old |"
            r"(?:my|his|her) (?:\w+ )?)?(?:\w+ ){0,3}(?:rope|noose|"
            + WEAPON[3:-1]
            + r"|razor blades?|razors?|"
            r"blades?|rat poison|bleach|antifreeze|charcoal|helium|hose|bottle of (?:\w+ )?pills)\b(?! (?:for "
            r"(?:hunting|work|the range|the garden|camping|climbing|cooking|shaving|cleaning)|to (?:clean|"
            r"shave|cook|cut (?:the|my|a)|hunt)))|\b"
            + LETHAL_THING
            + r"\b[^.?!]{0,40}\b(?:next to me|beside "
            r"me|in front of me|in my hand|in my hands|in my lap|on my lap|on my bed|in my pocket|ready|lined "
            r"up|laid out|counted)\b|\b(?:\d{2,}|twenty|thirty|forty|fifty|sixty|a hundred|a whole bottle|a "
            r"full bottle|bottles) (?:of )?(?:them|these|those|my \w+|pills|tablets|sleeping pills|"
            r"painkillers)\b|\b(?:on|at|near|by) (?:the|a|this) (?:edge|"
            + HEIGHT[3:-1]
            + r")\b[^.?!]{0,20}"
            r"\b(?:right now|now|tonight)\b|\b(?:car|engine|motor|truck) (?:is )?running\b[^.?!]{0,50}"
            r"\bgarage\b|\bgarage\b[^.?!]{0,60}\b(?:car|engine|motor|truck) (?:is )?running\b|\bhose\b"
            r"[^.?!]{0,30}\b(?:exhaust|tailpipe|window)\b|\bsitting in (?:my|the) (?:car|garage) with\b|"
            r"\b(?:tengo|compre|tiene) (?:un |una |el |la |las |mis )?(?:arma|pistola|cuerda|pastillas|navaja)\b|"
            r"\bloaded (?:gun|pistol|rifle|revolver|shotgun)\b|\b(?:gun|pistol|rifle|revolver|shotgun) is loaded\b|"
            r"\b(?:saving|saved|keeping|kept|hiding|hid|hoarding|collecting) (?:up )?(?:my|all my|all of my|the) "
            r"(?:\w+ )?(?:pills|medication|tablets|doses|sprays|painkillers|sleeping pills)\b",
        ),
        # farewell acts: letters, goodbyes, giving things away, a will, rehoming a pet
        (
            "farewell",
            r"\b(?:wrote|written|writing|write|left|leaving|recorded|recording|typed) (?:\w+ ){0,2}(?:letters?|"
            r"notes?|messages?|videos?|emails?)\b[^.?!]{0,25}\b(?:to|for) (?:my|the|each of my|everyone|all|"
            r"them|him|her)\b|\b(?:said|saying|say|said all) (?:my )?goodbyes?\b|\bsay (?:goodbye|bye|thanks|"
            r"thank you|sorry) to (?:someone|everyone|everybody|you all|you|my \w+|somebody)\b|\b(?:just )?"
            r"(?:wanted|want) to (?:say|tell (?:someone|somebody|you)) (?:thanks|thank you|goodbye|bye|sorry|"
            r"i am sorry)\b|\b(?:gave|giving|given|give) (?:away )?(?:my|all my|all of my) (?:\w+ ){0,2}"
            r"(?:to (?:my|a|the|our) \w+|away)\b|\b(?:updated|wrote|finished|made|sorted|signed|redid) (?:out )?"
            r"(?:my|the) (?:will|life insurance|funeral \w+|final wishes)\b|\bthe will is (?:updated|done|"
            r"signed|ready|sorted)\b|\b(?:new home|a home|someone to (?:take care of|look after)) (?:for )?"
            r"(?:my |the )?(?:dog|cat|pets?|fish|kids)\b|\b(?:dog|cat|pets?) (?:has|have|now has) (?:a new "
            r"home|been rehomed|a new owner)\b|\brehom\w+ (?:my )?(?:dog|cat|pets?)\b|\bdeleted (?:all )?(?:of )?"
            r"my (?:social media|accounts|instagram|facebook|tiktok|twitter|profiles?|photos)\b|\b(?:left|"
            r"leaving|gave) (?:my )?(?:house )?(?:keys|spare key|passwords)\b[^.?!]{0,20}\b(?:with|to) (?:my|"
            r"the|a) \w+|\b(?:i )?love you all\b|\bsorry for everything\b|\bforgive me\b|\btell (?:my|them|"
            r"him|her|everyone) (?:\w+ )?(?:i love (?:them|her|him|you)|i am sorry)\b|\bcartas? (?:de "
            r"despedida|para mis hijos|a mis hijos|para mi familia)\b|\bme despedi\b|\bdespedirme de\b",
        ),
        # finality: "where I'm going", "I'm ready", "made peace", "not their fault"
        (
            "finality",
            r"\b(?:will not|wont|do not|not going to|will no longer) (?:be )?need(?:ing)? (?:it|them|these|those|"
            r"this|my \w+|any of (?:it|this|them)|anything|any \w+)(?: anymore| much longer| where i am going| "
            r"after (?:tonight|today|this week))?\s*(?:[.?!,]|$)|\bwhere i am going\s*(?:[.?!,]|$)|"
            r"\b(?:it|this) (?:was not|is not|was never|is never) (?:their|your|his|her|anyones) fault\b|"
            r"\b(?:i am|im) (?:finally )?ready\s*(?:[.?!]|$)|\bat peace with (?:it|my decision|dying|this|the "
            r"decision|what i am about)\b|\b(?:it is|its) time\s*(?:[.?!]|$)|\bmy time (?:has come|is up)\b|"
            r"\bthis is it\s*(?:[.?!]|$)|\bfor the last time\b|\bone way or another\b|\b(?:keep|kept|just "
            r"keep|i keep) (?:looking at|staring at|holding|touching|thinking about) (?:it|them)\b|\b(?:calm|"
            r"peaceful|at peace|relieved|lighter) (?:for the first time|now that|finally)\b|\bfinally (?:feel )?"
            r"(?:calm|at peace|peaceful)\b|\b(?:i have|i think i have|i got|got) enough(?: now| saved| of them| "
            r"pills)?\s*(?:[.?!,]|$)|\b(?:wanted|want|needed|need) (?:someone|somebody|anyone|one person) to "
            r"know\b|\bnot for (?:protection|"
            r"hunting|self defen\w+|the range|sport|target practice|work|safety)\b|\b(?:talk to|tell|say (?:it|"
            r"this) to|hear from) (?:someone|somebody|anyone|a person) (?:first|before)\b|\bbefore i (?:go|do "
            r"it|do this|leave|end it)\b",
        ),
        # distress: the DISTRESS vocabulary below (hopeless, worthless, "I lost my job", ...)
        # reunion with someone who died, and that someone died (matched on the unmasked text)
        (
            "reunion",
            r"\b(?:ready|going|time|longing|cannot wait|can not wait|about|soon|finally|want|wanting|need|"
            r"wish) to (?:go )?(?:join|be with|reunite with) (?:him|her|them|my \w+)\b(?! (?:at|for|on|to|"
            r"tomorrow|next|this|later|after|when|today|tonight at|more|and (?:the|my) kids))|\b(?:ready|going|"
            r"time|about|finally|cannot wait) to (?:go )?(?:see|meet|hold) (?:him|her|them|my \w+)(?: again)?"
            r"\b(?! (?:at|for|on|to|tomorrow|next|this|later|after|when|today|in (?:the|a|\d)|soon at))",
        ),
        (
            "death_other",
            r"\b(?:died|passed away|passed (?:in|last|on|\d)|killed (?:himself|herself|themselves|in)|"
            r"funeral|grave|late (?:husband|wife|son|daughter|brother|sister|mom|dad|mother|father|friend|"
            r"partner)|lost (?:him|her|them|my \w+) (?:to|in|last|\d)|death of|suicide|is dead|are dead|"
            r"was killed|murio|fallecio)\b",
        ),
        # overdose act and acute symptoms (together: a medical emergency, not a clinic call)
        (
            "od_act",
            r"\b(?:took|taken|take|used|did|swallowed|had|sprayed|popped|snorted|injected)\b (?:\w+ ){0,3}?"
            r"(?:extra|more than (?:\w+ ){0,3}(?:prescribed|supposed|usual|i should|normal)|double|twice|too "
            r"much|too many|another (?:dose|spray|troche|lozenge|pill|bump)|a second (?:dose|spray|round)|the "
            r"whole|all (?:of )?(?:my|the|his|her)|\w+ (?:dose|doses) twice|way more|a lot more|a bunch)\b|"
            r"\baccidentally (?:took|take|taken|double dosed|doubled|used)\b|\b(?:double|doubled|triple|tripled)"
            r" (?:dosed|my dose|up|the dose)\b|\bmy (?:dose|spray|pills?|medication) twice\b|\btook (?:way )?too "
            r"much\b",
        ),
        (
            "acute",
            r"\bheart (?:\w+ ){0,2}(?:racing|pounding|going (?:\d{3}|crazy|so fast|really fast|like crazy)|"
            r"beating (?:so |really |very |super )?fast|rate (?:is |of )?\d{3})\b|\b(?:going to|about to|gonna|"
            r"might|think i will|feel like i will|like i am going to) (?:pass out|faint|black out|collapse|"
            r"die)\b|\bcannot (?:breathe|move (?:my )?\w+|feel my|stay awake|stand up|see)\b|\bchest\b|"
            r"\bshaking and sweating\b|\bsweating and shaking\b|\bseizure\b|\b(?:lips|fingers) (?:are |look )?"
            r"(?:blue|purple)\b|\bunresponsive\b|\bnot responding\b|\bhard to wake\b|\beverything is "
            r"spinning\b|\bvomiting blood\b|\b(?:passing|passed) out\b",
        ),
        # someone else: a farewell message, being unreachable, "he's done"
        (
            "third_farewell",
            r"\b(?:he|she|they|my \w+|(?:my|our) \w+ \w+)\b[^.?!]{0,40}\b(?:said|says|texted|sent|posted|wrote|"
            r"messaged|left|dmed|snapped)\b(?![^.?!]{0,50}\b(?:meme|joke|joking|lol|lmao|haha)\b)[^.?!']{0,50}"
            r"\b(?:goodbye|good bye|bye|farewell|sorry for "
            r"everything|love you all|i am sorry|take care of|a note|suicide note)\b",
        ),
        (
            "unreachable",
            r"\b(?:not|will not|wont|is not|isnt|stopped|has stopped|not been) (?:answer\w*|respond\w*|picking "
            r"up|replying|reply|pick up|answering)\b|\b(?:cannot|can not|could not) (?:reach|get hold of|find|"
            r"get through to) (?:him|her|them)\b|\bno answer\b|\bphone (?:is )?(?:off|going to voicemail|dead)\b|"
            r"\b(?:went|gone) (?:silent|quiet|dark)\b|\bread (?:it|my messages?) and\b",
        ),
        (
            "third_done",
            r"\b(?:says|said|keeps saying|told me|texted|is saying|saying|wrote|posted)\b (?:that )?(?:he is|she "
            r"is|they are|he|she|they|hes|shes) (?:is |are )?(?:done|finished|over it|ready to go|not going to "
            r"make it|not going to be around|going to end it|cannot (?:go on|do this anymore))\b(?! (?:with|at|"
            r"for|eating|talking|working|early|today))",
        ),
        # a means named anywhere (for someone else's farewell: "sent a pic of pills and said bye")
        ("means_mention", r"\b" + LETHAL_THING + r"\b"),
    ]
)
CUES_ON_RAW = frozenset({"death_other"})
# Pairs of cue families that make a crisis, and the rule id each pair records.
COMBOS = (
    ("act", "plan", "suicide.combo_plan"),
    ("act", "means", "suicide.combo_means"),
    ("act", "farewell", "suicide.combo_farewell"),
    ("act", "finality", "suicide.combo_farewell"),
    ("act", "distress", "suicide.combo_distress"),
    ("act_vague", "plan", "suicide.combo_plan"),
    ("act_vague", "means", "suicide.combo_means"),
    ("act_vague", "farewell", "suicide.combo_farewell"),
    ("means", "plan", "suicide.combo_means"),
    ("means", "farewell", "suicide.combo_means"),
    ("means", "finality", "suicide.combo_means"),
    ("means", "distress", "suicide.combo_means"),
    ("farewell", "plan", "suicide.combo_farewell"),
    ("farewell", "finality", "suicide.combo_farewell"),
    ("farewell", "distress", "suicide.combo_farewell"),
    ("plan", "finality", "suicide.combo_plan"),
    ("reunion", "death_other", "suicide.combo_reunion"),
    ("od_act", "acute", "medical.overdose_symptoms"),
    ("third_farewell", "unreachable", "suicide.third_party"),
    ("third_farewell", "means_mention", "suicide.third_party"),
    ("third_done", "means_mention", "suicide.third_party"),
)

# Means, methods and amounts: crisis only after a crisis or distress signal nearby.
# MEANS_STRONG (heights, weapons, poisons, lethal amounts) turns distress into crisis;
# MEANS_ANY (also any amount, dose or device question) keeps a recent crisis a crisis.
_MEANS_STRONG = (
    r"\b(?:bridges?|buildings?|cliffs?|towers?|rooftops?|parking garages?|overpass(?:es)?)\b[^.?!]{0,25}\b(?:tallest|"
    r"highest|high|tall|steepest|higher|taller)\b|\b(?:tall|taller|tallest|high|higher|highest|heights?|steep|steepest|deep|deepest)\b[^.?!]{0,25}\b(?:bridges?|"
    r"buildings?|cliffs?|roofs?|rooftops?|towers?|overpass|parking (?:garage|structure)|balcony|floors?|"
    r"stor(?:y|ies|eys?)|places?|spots?|points?|rivers?|lakes?|water)\b|\bhow (?:high|tall|far|deep)\b[^.?!]{0,40}"
    r"\b(?:jump|fall|drop|bridge|building|survive|floor|story|need to be|water|river)\b|\b(?:bridges?|cliffs?|"
    r"rooftops?) (?:near|around|close to|in) (?:me|here|my|town|the city)\b|\b(?:gun|guns|firearm|firearms|"
    r"pistol|rifle|shotgun|bullets?|ammo|ammunition|(?<!end of my )(?<!end of the )rope|ropes|noose|razor|razors|blade|blades|carbon monoxide|"
    r"charcoal|helium|car exhaust|bleach|antifreeze|poison|poisons|poisonous|toxic if|cyanide|railway|railroad|train tracks|"
    r"in front of a train|train schedule|the train pass\w*|when does the train|subway tracks|plastic bag)\b|"
    r"\b(?:too many|strongest|strong enough|would it take|does it take|would that take|it would take|enough to|"
    r"lethal|fatal|deadly|overdose|painless|painlessly|peaceful|peacefully|quickest|fastest|easiest|least "
    r"painful|way out|ten times|10 times|\d+ times (?:the|my|that|as)|the whole (?:bottle|box|pack)|all (?:of )?"
    r"my (?:pills|meds|medication|tablets|sprays)|how many (?:of (?:my|these|the|those) )?(?:\w+ )?(?:pills|"
    r"tablets|sprays|devices)|how much (?:\w+ )?is too much|not wake up|never wake up)\b|"
    r"\b(?:cuant[oa]s? (?:pastillas|dosis)|puentes?|edificios? (?:mas )?alto|pistola|arma|cuerda|veneno|"
    r"harian falta|hace falta para)\b"
)
MEANS_STRONG = _rx(_MEANS_STRONG)
MEANS_ANY = _rx(
    _MEANS_STRONG
    + r"|\bhow (?:much|many)\b|\b(?:amount|amounts|quantity|dose|doses|dosage|pills?|tablets|sprays|devices|vials|"
    r"mg|milligrams|grams|bottles?|twice|double|triple|train|trains|tracks|bridges?|buildings?|roof|jump|"
    r"knife|knives|die|dying|death|dead|kill|hurt|hurts|suffer|method|methods|quick|quickly|instant|"
    r"instantly|survive|survivable|cuant[oa]s?|pastillas|dosis|cantidad)\b"
)
DISTRESS = _rx(
    r"\b(?:waste of (?:space|oxygen|air|skin|life)|pathetic|disgusting|hate who i am|i am nothing|"
    r"i am a joke|i ruin everything|out of options|no options left|(?:there is )?nothing left|breaking point|"
    r"at my limit|so tired of (?:everything|it all|this|life|trying|fighting)|exhausted from (?:living|life|"
    r"everything|trying|fighting)|tired of everything|everything hurts|unloved|unwanted|"
    r"(?:no one|nobody|no1) (?:would|will) (?:even )?(?:notice|care|miss)|failed at everything|"
    r"messed up everything|lost (?:the|my) (?:house|kids|family|marriage|apartment|business)|"
    r"lost everything|cannot take (?:it|this|any of this|any more|anymore)|i cannot anymore|"
    r"unbearable|(?:i|so|i feel|feel|feeling) (?:so |completely |totally )?(?:empty|numb)|hate my (?:life|self|"
    r"existence|body|brain|mind)|"
    r"hopeless|worthless|useless|helpless|desperate|miserable|defeated|trapped|unbearable|unlovable|"
    r"a failure|a burden|a mess|a disappointment|empty inside|dead inside|numb inside|so alone|all alone|"
    r"completely alone|totally alone|so lonely|no one cares|nobody cares|noone cares|no one loves me|"
    r"nobody loves me|no one understands|nobody understands|hate my life|hate myself|hate everything|"
    r"hate living|lost my job|lost my home|lost my house|lost everything|lost custody|lost my (?:wife|husband|"
    r"partner|son|daughter|kids|best friend|mom|dad|mother|father|brother|sister|dog)|got fired|been fired|"
    r"fired today|evicted|(?:wife|husband|partner|girlfriend|boyfriend|fiancee?) (?:left|dumped|cheated|"
    r"divorced|kicked me out)|divorce|broke up|breakup|cannot (?:take|handle|cope|deal with|stand|bear|do) "
    r"(?:it|this|any of this|any of it|anymore|much more|life)|cannot cope|cannot go on|can not cope|"
    r"nothing (?:matters|helps|works|will change|will get better|is working|left)|(?:everything|my life|life) "
    r"is (?:falling apart|ruined|over|a mess|pointless|meaningless|hopeless|hell|unbearable|too much)|"
    r"falling apart|give up|gave up|giving up|rock bottom|end of my rope|at the end of my rope|had enough|"
    r"ruin everything|ruined everything|ruined my life|my fault|crying all|cried all|crying every|cant stop "
    r"crying|cannot stop crying|so tired of|(?:so done|i am done|im done)(?! with (?!(?:life|living|"
    r"everything|it all|myself|this life|being alive|existing|trying|fighting|people|the world)\b))|exhausted|"
    r"overwhelmed|in so much pain|"
    r"so much pain|too much pain|the pain is|what is the point(?! (?:of|in|to|behind|for|with) (?!(?:it all|anything|living|life|going on|trying|me|any of (?:this|it)|being alive|waking up|continuing|getting up|everything|existing|anything anymore)\b))|no future|"
    r"no way out|no hope|lost hope|losing hope|beyond help|no future|see any future|see a future|"
    r"broken|shattered|devastated|heartbroken|"
    r"depressed|so depressed|really depressed|want it to stop|make it stop|cannot do this|i am broke|im broke|"
    r"so broke|flat broke|bankrupt|homeless|(?:i am|im|i feel|feel|feeling) (?:so |completely |totally |all )?alone|"
    r"sin esperanza|no "
    r"aguanto|ya no puedo|no puedo mas|estoy harto|estoy harta|nadie me quiere|estoy sol[oa]|perdi mi "
    r"trabajo|todo esta mal|me siento vaci[oa])\b"
)
# Weak on their own ("I want it to end"), crisis together with distress in the same message.
SOFT_PASSIVE = _rx(
    r"\bwant (?:it|this|everything|all of this) (?:all )?to (?:end|stop|be over)\b|\bi give up on (?:everything|"
    r"life|myself)\b|\bcannot do this anymore\b|\bwhat is the point\b(?! (?:of|in|to|behind|for|with) (?!(?:it all|anything|living|life|going on|trying|me|any of (?:this|it)|being alive|waking up|continuing|getting up|everything|existing|anything anymore)\b))|\bno way out\b|"
    r"\bdisappear\b|\bnot be here\b|\bgo to sleep\b"
)
# "... asking because I want to" after a question about dying or overdosing.
INTENT_TAIL = _rx(
    r"\b(?:because|cause|coz|since|as) i (?:want|wanna|plan|intend|am going|am planning|need) to\b"
    r"(?: do it| try it| do that)?\W*$"
)
# A "just checking out / changing topic" reply right after a crisis statement.
DEFLECT = _rx(
    r"\b(?:never mind|forget it|forget that|forget i said|forget what i said|ignore (?:that|what i said|my last)|"
    r"just kidding|only kidding|kidding|joking|jk|lol|lmao|haha|i am fine|im fine|i am ok|i am okay|"
    r"its fine|it is fine|whatever|anyway|anyways|moving on|change (?:of|the) (?:subject|topic)|different "
    r"question|other question|olvidalo|no importa|era broma)\b"
)

# ---------------------------------------------------------------------------------------
# Clinic: effects during/after a treatment session that need the treating team now.
# ---------------------------------------------------------------------------------------
SESSION = _rx(
    r"\b(?:iv|iv site|cannula|infusions?|sessions?|treatments?|dose|doses|dosing|spravato|esketamine|ketamine|spray|sprays|"
    r"appointment|injection|lozenges?|troches?|ket|sesion|infusion|tratamiento|dosis|ketamina|esketamina)\b"
)
_SESSION_WORD = (
    r"(?:infusions?|sessions?|treatments?|dose|doses|dosing|spravato|esketamine|ketamine|spray|sprays|"
    r"appointment|injection|lozenges?|troches?|ket|sesion|infusion|tratamiento|dosis|ketamina|esketamina)"
)
SESSION_TIME = _rx(
    r"\b(?:after|since|following|post|from|during|with|to|of|despues de|desde|durante|con)\b (?:\w+ ){0,3}?"
    + _SESSION_WORD
    + r"\b|\b"
    + _SESSION_WORD
    + r"\b (?:\w+ ){0,3}?(?:today|tonight|this (?:morning|afternoon|evening)|yesterday|last night|earlier|"
    r"(?:\w+ )?hours? ago|hoy|ayer|esta manana)\b|\b(?:\d+|two|three|four|five|six|seven|eight|several|many|"
    r"a few|few) hours (?:after|since|later|ago|now|post)\b|\bhours (?:after|since|later)\b|\bthe next day\b|"
    r"\b(?:has not|hasnt|have not|not|will not|wont) (?:worn|wearing|wear) off\b|\bhoras despues\b|"
    r"\bwhere the (?:iv|needle|cannula|drip) (?:was|went)\b|\b(?:iv|needle|cannula) site\b|"
    r"\bsince (?:this morning|yesterday|last night|earlier|then)\b|"
    # a course under way ("I've been on ketamine for a year", "taking spravato")
    r"\b(?:been|am|i am|was|while|currently) (?:on|taking|using) (?:\w+ )?" + _SESSION_WORD + r"\b"
)
CLINIC_SYMPTOMS = _table(
    [
        (
            "clinic.dissociation",
            r"\b(?:still|keep|keeps|continue|continuing|has not worn off|hasnt worn off|"
            r"not worn off|will not wear off|wont wear off|not wearing off|not going away|will not go away|"
            r"hours|the next day|since)\b[^.?!]{0,60}\b(?:dissociat\w+|detached|disconnected|floating|floaty|"
            r"unreal|out of (?:my body|it|touch)|outside (?:my body|myself)|not real|spacey|spaced out|foggy|"
            r"out of body|derealiz\w+|depersonaliz\w+|high|numb|like a dream|in a dream|zoned out|not myself)\b",
        ),
        (
            "clinic.dissociation",
            r"\b(?:dissociat\w+|detached|disconnected|floating|unreal|out of (?:my body|it)|"
            r"spaced out|derealiz\w+|depersonaliz\w+)\b[^.?!]{0,40}\b(?:has not worn off|hasnt worn off|not worn "
            r"off|will not wear off|not wearing off|not going away|will not go away|still|hours (?:later|after|"
            r"since)|since)\b",
        ),
        (
            "clinic.dissociation",
            r"\b(?:dissociat\w+|detached|disconnected|unreal|derealiz\w+|depersonaliz\w+|"
            r"watching myself|outside (?:of )?my body|out of body|spaced out|spacey|floaty|not real|like a dream|"
            r"zoned out|out of it|still high|in a dream)\b",
        ),
        (
            "clinic.perception",
            r"\b(?:hallucinat\w+|seeing things|hearing (?:things|voices)|(?:seeing|hearing|feeling) (?:\w+ ){0,4}(?:that are not|that is not|that isnt) "
            r"there|walls (?:are )?(?:moving|"
            r"breathing|melting)|see(?:ing)? the walls move|trails|seeing colou?rs|visual (?:distortions|disturbances)|"
            r"things (?:are )?moving|paranoi\w+|psychotic)\b",
        ),
        (
            "clinic.headache",
            r"\b(?:severe|bad|terrible|awful|pounding|splitting|intense|excruciating|worst|horrible|"
            r"throbbing|massive|huge|crushing|blinding|unbearable|really bad|very bad|nasty|constant)(?: \w+){0,2}? "
            r"(?:headache|head ache|migraine)\b|\bmy head (?:is killing me|hurts|is pounding|is splitting|is "
            r"throbbing|feels like it)\b|\bheadache (?:that )?(?:will not|wont|does not|is not) (?:go away|stop|"
            r"ease|getting better)\b|\bmigraine\b|\bheadache (?:got|is getting|has gotten|getting|is) worse\b|"
            r"\bheadache\b[^.?!]{0,30}\b(?:will not go|wont go|not going away|not stopping)\b",
        ),
        (
            "clinic.unwell",
            r"\b(?:i|he|she|my \w+)(?: \w+){0,3}? (?:feel|feels|felt|am|is|have been|has been|been|"
            r"feeling|look|looks)(?: \w+){0,2}? (?:unwell|sick|ill|awful|terrible|horrible|off|wrong|shaky|"
            r"dizzy|lightheaded|light headed|faint|woozy|nauseous|nauseated|drowsy|sleepy|sedated|agitated|"
            r"panicky|on edge|low|weepy|wobbly|unsteady|out of it|strange|weird|not right|not myself|very anxious|"
            r"really anxious|so anxious|jittery|hot|feverish|clammy|sweaty)\b",
        ),
        (
            "clinic.unwell",
            r"\b(?:spinning|room is spinning|dizzy|dizziness|lightheaded|vertigo|cannot stand|can not stand|unsteady|"
            r"cannot walk straight|shaking|trembling|tremors?|sweating|fever|chills)\b",
        ),
        (
            "clinic.confusion",
            r"\b(?:confused|confusion|disoriented|disorientated|not making sense|cannot think "
            r"straight|forgetful|cannot remember|memory loss|memory (?:is|feels|seems) (?:patchy|foggy|gone|blank|bad|"
            r"off)|patchy memory|brain fog|foggy|lost track of time|do not know where i am|"
            r"not himself|not herself|not myself)\b",
        ),
        (
            "clinic.vomiting",
            r"\b(?:vomit\w*|throwing up|thrown up|threw up|puking|puke|nausea|nauseous|nauseated|"
            r"retching|dry heaving|cannot keep (?:any |anything |)(?:water|food|fluids|liquids|anything)? ?down|"
            r"diarrh\w*|stomach (?:cramps|pain|ache|hurts)|cramps|abdominal pain|belly pain)\b",
        ),
        (
            "clinic.urinary",
            r"\bblood in (?:my |the |his |her )?(?:urine|pee|wee)\b|\b(?:peeing|urinating|pee|pees|peed|urinated|"
            r"piss\w*) blood\b|\b(?:burns?|hurts?|painful|pain|stings?) (?:when|to) (?:i )?(?:pee|urinate|wee)\b|"
            r"\bpainful urination\b|\b(?:urine|pee) (?:has|had|with) blood\b|\bblood when (?:i )?(?:pee|urinate|wee)\b|\b(?:pee|urine|wee) (?:is|looks) (?:dark|red|pink|bloody|cloudy|brown)\b|"
            r"\b(?:it )?hurts (?:to|when i) (?:pee|urinate|wee)\b|\bbladder (?:pain|problems?|issues?|hurts|is killing me)\b|\b(?:peeing|urinating|"
            r"going to the (?:toilet|bathroom)) (?:all the time|constantly|every \w+ minutes|nonstop|a lot)\b|"
            r"\bcannot (?:pee|urinate)\b|\bbloody urine\b|\burine is (?:red|pink|bloody|dark)\b",
        ),
        (
            "clinic.cardio",
            r"\b(?:blood pressure|bp) (?:is |was |has been |stayed |still )*(?:still )?(?:high|very "
            r"high|really high|through the roof|elevated|up|spiking|\d{3})\b|\b1[5-9]\d\s*(?:/|over)\s*\d{2,3}\b|"
            r"\bheart (?:is |keeps |has been |was )?(?:racing|pounding|fluttering|skipping|beating (?:really |so )?"
            r"fast)\b|\bpalpitations\b|\bracing heart\b|\b(?:fast|rapid|irregular|pounding|racing) heart ?beat\b|"
            r"\bheart ?(?:beat|rate) (?:is |has been )?(?:fast|racing|irregular|high|up|through the roof)\b|"
            r"\b(?:blood pressure|bp) (?:has not|hasnt|will not|wont|is not|did not) (?:come|coming|gone|going|gotten) "
            r"down\b",
        ),
        (
            # chest pain or breathing trouble after a treatment (the clinic text says: call 911)
            "clinic.chest_breathing",
            r"^(?!.*\b(?:someone|somebody|a person|people|patients|in general)\b).*?(?:\bchest (?:pain|pains|hurts|hurting|tight\w*|pressure|feels tight)\b|\b(?:trouble|difficulty|hard "
            r"time|struggling) (?:breathing|to breathe)\b|\b(?:cannot|can not|could not) (?:breathe|catch my breath|"
            r"get air)\b|\bshort(?:ness)? of breath\b)",
        ),
        (
            "clinic.vision",
            r"\b(?:blurry|blurred|double) vision\b|\bvision (?:is |has been )?(?:blurry|blurred|"
            r"strange|weird|off|doubled|double|fuzzy|dim)\b|\bseeing double\b|\bcannot see (?:properly|straight|clearly)\b",
        ),
        (
            "clinic.numbness",
            r"\b(?:cannot|can not) feel my\b|\bnumb(?:ness)?\b|\btingl\w*\b|\bpins and needles\b",
        ),
        (
            "clinic.nose",
            r"\bnose ?bleeds?\b|\bnose (?:is )?bleeding\b|\bbloody nose\b|\bnostril\w* (?:burn|hurt|"
            r"bleed)\w*\b",
        ),
        ("clinic.skin", r"\b(?:rash|hives|itchy|itching|itches|swollen|swelling)\b"),
        (
            "clinic.worse",
            r"\b(?:bad|terrible|awful|intense|horrible|constant|severe|vivid) (?:flashbacks?|nightmares?|"
            r"panic attacks?)\b|\b(?:flashbacks?|nightmares?|anxiety|panic|depression|mood|symptoms?|ptsd|thoughts)\b"
            r"[^.?!]{0,25}\b(?:worse|worsened|worsening|returned|stronger|terrible|unbearable|out of control)\b",
        ),
        (
            "clinic.sleep_mood",
            r"\b(?:cannot sleep|could not sleep|insomnia|mind is racing|racing thoughts|"
            r"flashbacks? (?:are |is )?(?:worse|back|stronger)|nightmares? (?:are |is )?(?:worse|back)|"
            r"panic attacks?|panicking|terrified|very low|really low|so low|crying|weepy|mood crash|crashed)\b",
        ),
        (
            "clinic.reaction",
            r"\b(?:bad|strange|weird|allergic|adverse|bad trip|scary) (?:reaction|trip|experience|"
            r"side effects?)\b|\b(?:fell|fallen|fell over|fell down|tripped)\b|\bbruised\b|\binjured\b",
        ),
        (
            "clinic.es",
            r"\b(?:(?:mi )?presion (?:arterial )?(?:sigue |esta |muy |todavia )*alta|me duele (?:mucho |muchisimo )?la cabeza|dolor de cabeza (?:muy )?(?:fuerte|terrible|horrible|intenso)|sigo (?:sintiendome )?"
            r"(?:disociad[oa]|mareado|mareada|confundid[oa]|desconectad[oa]|ida|ido)|disociad[oa]|no paro de "
            r"vomitar|vomit\w*|nauseas|sangre en la orina|confundid[oa]|mareos?|me siento (?:muy )?mal)\b",
        ),
        (
            "clinic.vision",
            r"\b(?:cannot|can not) focus my eyes\b|\beyes (?:will not|wont|do not|cannot) focus\b",
        ),
        (
            "clinic.urinary",
            r"\b(?:pink|red|blood|brown|dark red) (?:in|when i) (?:my |the )?(?:urine|pee|toilet)\b",
        ),
        # --- families added after the first blind probe round
        (
            "clinic.vision",
            r"\bvision (?:is |has been |was |feels |looks )?(?:still |really |very |kind of |a bit |so )?"
            r"(?:blurry|blurred|fuzzy|hazy|weird|off|double|dim|strange)\b|\b(?:blurry|blurred|hazy)\b",
        ),
        ("clinic.nose", r"\bnose (?:\w+ ){0,3}bleed\w*\b"),
        (
            "clinic.cardio",
            r"\bheart (?:\w+ ){0,3}(?:flutter\w*|skipping|skips|racing|pounding|irregular|jumping)\b",
        ),
        (
            "clinic.ears",
            r"\b(?:ringing|buzzing|humming) in (?:my |his |her )?ears?\b|\bears? (?:are |is |keep )?"
            r"(?:ringing|buzzing)\b|\btinnitus\b",
        ),
        (
            "clinic.iv_site",
            r"\b(?:iv|needle|cannula|drip|injection) (?:site|spot|arm)\b[^.?!]{0,40}\b(?:red|swollen|hot|"
            r"hurts|painful|bruised|infected|pus|hard|lump)\b|\bwhere the (?:iv|needle|cannula|drip) (?:was|went)"
            r"\b[^.?!]{0,40}\b(?:red|swollen|hot|hurts|painful|bruised|infected|pus|hard|lump)\b",
        ),
    ]
)
# Generic effect questions ("can ketamine cause headaches?") are information, not a live problem.
GENERIC_EFFECT_Q = _rx(
    r"^(?:can|could|does|do|is|are|will|would|how|what|why|when|which|should patients|is it (?:normal|common|"
    r"typical|usual|possible)|how (?:common|long|often|likely))\b(?:(?!\b(?:i|my|me|im|ive|myself)\b).)*$"
)

# ---------------------------------------------------------------------------------------
# Boundary: personal medical directives, illicit acquisition or misuse, jailbreak framing.
# ---------------------------------------------------------------------------------------
DIRECTIVE_VERB = (
    r"(?:take|taking|use|using|stop|stopping|quit|quitting|taper|tapering|come off|coming off|go off|going off|"
    r"get off|wean|weaning|skip|skipping|miss|double|doubling|triple|tripling|increase|increasing|decrease|"
    r"decreasing|reduce|reducing|lower|lowering|raise|raising|up|upping|halve|cut|cutting|split|combine|"
    r"combining|mix|mixing|drink|drinking|have|having|smoke|smoking|vape|drive|driving|microdose|"
    r"microdosing|dose|dosing|redose|re dose|continue|keep going|keep taking|keep using|start|starting|"
    r"restart|switch|switching|change|changing|adjust|adjusting|add|adding|inject|injecting|snort|"
    r"snorting|swallow|chew|operate|work out|exercise|eat|breastfeed|go higher|go lower|go up|go down|"
    r"bump up|bump|push|try|delay|postpone|space out|spread out|pause|drop|go back on|get back on|get pregnant|"
    r"do (?:\d+|two|three|four|five|more|extra|another|less|fewer|a (?:higher|lower|bigger|smaller|double)))"
)
BOUNDARY_RULES = _table(
    [
        (
            "boundary.personal_dose",
            r"\b(?:what|which|how much|how many|what kind of|whats the|what is the|what is "
            r"my|whats my)(?: \w+){0,4}? (?:dose|dosage|amount|mg|milligrams|sprays|infusions|sessions|treatments|"
            r"lozenges|troches|pills|tablets)(?: \w+){0,4}? (?:should|do|can|must|would|could|shall|will) (?:i|we|"
            r"my \w+)\b",
        ),
        (
            "boundary.personal_dose",
            r"\b(?:right|best|correct|ideal|good|safe|proper|optimal|effective|starting|"
            r"perfect|appropriate|max|maximum|recommended) (?:\w+ )?(?:dose|dosage|amount|number of \w+) (?:for me|"
            r"for my|i should|for someone like me|for my weight|for my \w+)\b",
        ),
        (
            "boundary.personal_dose",
            r"\bhow (?:much|many|often)(?: \w+){0,5}? (?:should|do|can|must|shall|could|"
            r"would) (?:i|we)\b(?: \w+){0,3}? (?:take|use|do|get|ask|have|dose|spray|microdose|need|request|buy|order|purchase|inject|snort)\b|\bhow "
            r"(?:much|many|often)(?: \w+){0,4}? i should\b",
        ),
        (
            "boundary.personal_dose",
            r"\bis \d+(?:\.\d+)? ?(?:mg|milligrams|sprays|devices|mg ?/ ?kg|mg per kg)\b[^.?!]{0,25}"
            r"\b(?:enough|too much|too little|right|ok|okay|safe|good) for me\b|\b(?:tell|give|recommend|suggest|"
            r"prescribe) me (?:a |the |my |an )?(?:dose|dosage|amount|prescription|ketamine|esketamine|spravato|"
            r"something)\b|\bprescribe (?:me|it to me|ketamine for me)\b|\bwrite me (?:a |an )?(?:prescription|"
            r"script|rx)\b",
        ),
        (
            "boundary.directive",
            r"\b(?:(?:should|can|could|may|must|do|shall|will|would) i|would it be (?:ok|okay|"
            r"safe|bad|fine|alright) (?:if i|for me to)|is it (?:ok|okay|safe|alright|fine|bad|dangerous|wise|smart|"
            r"a good idea|a bad idea|risky|possible|allowed) (?:for me to|if i|for me if i)|am i (?:allowed|ok|okay|"
            r"able|safe|fine) to|what if i|would it hurt (?:me )?to|when (?:should|can|do) i|how (?:do|should|can) i|"
            r"will it hurt (?:me )?(?:to|if i)|do you think i should|what happens if i|is it (?:ok|okay|fine) (?:that|"
            r"if) i)\b\s*(?:\w+\s+){0,2}?" + DIRECTIVE_VERB + r"\b[^.?!]{0,60}\b" + MED + r"\b",
        ),
        (
            "boundary.directive",
            r"\b(?:is it|would it be|will it be) (?:ok|okay|safe|alright|fine|bad|dangerous) for me "
            r"to\b[^.?!]{0,60}\b"
            + MED
            + r"\b|\b(?:is it|would it be) (?:ok|okay|safe|alright|fine|bad|dangerous) to "
            r"(?:\w+ ){0,2}?"
            + DIRECTIVE_VERB
            + r" (?:\w+ )?my\b[^.?!]{0,40}\b"
            + MED
            + r"\b|\b(?:whether|if) i should\b"
            r"(?: \w+){0,2}? " + DIRECTIVE_VERB + r"\b[^.?!]{0,40}\b" + MED + r"\b",
        ),
        (
            "boundary.directive",
            r"\b(?:i|im|i am)\b(?: \w+){0,3}? (?:want|going|plan|planning|intend|need|would like|"
            r"wanna|gonna|about|deciding|decided|tempted) (?:to )?(?:increase|decrease|double|stop|quit|taper|skip|"
            r"cut|up|lower|raise|change|adjust|come off|go off|get off|wean off|self dose|microdose|take more|take "
            r"less|take extra|mix|combine)\b(?: \w+){0,3}? " + MED + r"\b",
        ),
        (
            "boundary.directive",
            r"\b(?:am i allowed|can i have|may i have|is it ok to have|can i go|can i fly|can i "
            r"travel|can i swim|can i work|can i exercise|can i drive|should i avoid|can i still|can i eat|can i sleep|"
            r"can i take a|can i do)\b[^.?!]{0,60}\b(?:after|before|during|on the day of|the day after|the night of|"
            r"following|since|between) (?:\w+ ){0,3}?(?:infusion|infusions|session|sessions|treatment|dose|spray|"
            r"spravato|ketamine|esketamine|appointment)\b",
        ),
        (
            "boundary.directive",
            r"\b(?:is it|would it be) (?:ok|okay|safe|alright|fine) to (?:drive|drink|have a drink|"
            r"drink alcohol|work|go to work|fly|exercise|swim|smoke|operate machinery|take (?:my|a|an) \w+)\b[^.?!]{0,30}"
            r"\b(?:after|before|on the day of|the day after|the night of|following|with) (?:\w+ ){0,2}?(?:infusion|"
            r"session|treatment|dose|spray|spravato|ketamine|esketamine)\b",
        ),
        (
            "boundary.directive",
            r"\b(?:would|will|could|might) (?:\d+|a higher|a lower|more|less|a bigger|a smaller)"
            r"(?: ?mg| \w+)?\b[^.?!]{0,20}\b(?:work|be) (?:better|best|enough|safer) for me\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:website|site|app|vendor|shop|store|seller|source)\b[^.?!]{0,25}\b(?:order|buy|purchase|"
            r"get|sells?)\b[^.?!]{0,25}\b(?:ketamine|esketamine|k|ket|spravato)\b",
        ),
        (
            "boundary.directive",
            r"\bmore (?:\w+ )?than (?:prescribed|i am prescribed|my doctor prescribed|allowed|"
            r"my prescription)\b",
        ),
        (
            "boundary.directive",
            r"\bhow (?:to|do i|can i|should i) (?:safely )?(?:taper|stop|quit|come off|get off|go off|"
            r"wean|reduce|lower|increase|double|dose|microdose)\b[^.?!]{0,30}\b(?:my|off|me)\b",
        ),
        (
            "boundary.personal_dose",
            r"\b(?:recommend|suggest|advise|prescribe)\w*\b[^.?!]{0,30}\bfor me\b|\bwhat "
            r"(?:dose|dosage|amount) (?:do|would|should|can) you (?:recommend|suggest|advise|give)\b|\bwhat "
            r"(?:should|would|will) my (?:\w+ )?(?:dose|dosage|amount) be\b",
        ),
        (
            "boundary.directive",
            r"\b(?:my|our) (?:\w+ ){0,3}(?:told|prescribed|said|gave|gives|recommended)\b[^.?!]"
            r"{0,50}\b(?:can|should|could|may) i\b[^.?!]{0,30}\b(?:instead|more|less|extra|another|double|skip|"
            r"stop|increase|decrease)\b",
        ),
        (
            "boundary.directive",
            r"\b(?:i am|im|i was|i have been|ive been) (?:thinking|planning|going|wanting|"
            r"considering|about|tempted|deciding)(?: about| to| of)? (?:\w+ )?(?:stopping|stop|quitting|quit|"
            r"tapering|taper|coming off|come off|doubling|double|skipping|skip|increasing|increase|cutting|cut|"
            r"upping|up|going off|go off|self dosing|microdosing)\b[^.?!]{0,40}\b" + MED + r"\b",
        ),
        (
            "boundary.directive",
            r"\b(?:should|can|could|do) i (?:still |even |just )?(?:get|have|receive|do|keep|"
            r"continue|start|try|go (?:for|ahead with)|go through with|book|schedule) (?:\w+ ){0,3}?(?:ketamine|"
            r"esketamine|spravato|infusions?|the infusion|my infusion|treatment|the treatment|my treatment|"
            r"session|my session|ect|tms)\b[^.?!]{0,60}\b(?:if i|since i|i have|i am|im|with my|while i|when i|"
            r"because|pregnant|breastfeeding|heart|blood pressure|history|condition|taking|on \w+|after|before)\b",
        ),
        (
            "boundary.directive",
            r"\b(?:i am|im|i was|ive been|i have been|since i am|i have|i just|i might be)"
            r"(?: \w+){0,3}? (?:pregnant|breastfeeding|nursing|trying to (?:get|conceive))\b[^.?!]{0,80}\b(?:should|"
            r"can|could|is it|safe|ok|okay|keep|continue)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:buy|buying|bought|purchase|purchasing|order|ordering|get|getting|obtain|"
            r"obtaining|score|scoring|source|sourcing|find|finding|cop|copping|pick up|acquire|acquiring|import|"
            r"ship|shipping|sell|selling)\b[^.?!]{0,50}\b(?:without (?:a |an )?(?:prescription|doctor|rx|medical "
            r"supervision|a script|script|seeing a doctor|going through)|no prescription|no script|no rx|"
            r"on the (?:street|streets|dark ?web|deep web|black market)|dark ?web|darknet|deep web|black market|"
            r"from (?:a |my )?dealer|off the street|from (?:mexico|china|india|canada|abroad|overseas)|illegally|"
            r"on telegram|on reddit|on snapchat|on discord|from (?:a |the )?(?:vet|veterinar\w+|horse|animal)|"
            r"(?:from|off) (?:a |my )?(?:friend|buddy|plug|connect|guy|mate|coworker|dealer)|sin receta)\b",
        ),
        (
            "boundary.illicit",
            r"\bwithout (?:a |an |any )?(?:psych|psychiatric|medical|mental health) (?:evaluation|"
            r"assessment|eval|screening|exam|appointment)\b|\bno questions asked\b|\b(?:good|nice|fun|strong) "
            r"trip\b[^.?!]{0,30}\b(?:ketamine|k|ket|dose|amount)\b|\b(?:ketamine|k|ket|dose|how much)\b[^.?!]{0,30}"
            r"\b(?:good|nice|fun|strong|intense) trip\b|(?<!bad )(?<!horrible )(?<!scary )\btrip(?:ping)? on (?:ketamine|k|ket)\b",
        ),
        (
            "boundary.illicit",
            r"\bstreet (?:price|value|name|cost|ketamine|k)\b|\bprice (?:of|for) (?:a )?(?:gram|g|bag|"
            r"bump|baggie) of\b|\b(?:turn|convert|make|change) (?:\w+ ){0,3}(?:liquid|vials?|solution|spray) into "
            r"(?:powder|crystals?)\b|\b(?:steal|stealing|stole|divert|diverting|(?<!of )pocket|pocketing|swipe|nick) "
            r"(?:\w+ ){0,2}(?:ketamine|esketamine|spravato|vials?|ket|sprays?|devices?)\b|\b(?:pass|beat|cheat|fool) "
            r"(?:a |the |my )?(?:drug|urine|tox|hair) (?:test|screen)\b|\bwithout (?:telling|informing|letting) "
            r"(?:him|her|them|my \w+)\b[^.?!]{0,30}\b(?:know|about my|that i)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:party|parties|rave|raves|festival|clubbing|for fun|fun amount|good time)\b[^.?!]"
            r"{0,40}\b(?:ketamine|k|ket|esketamine|dose|amount)\b|\b(?:ketamine|k|ket)\b[^.?!]{0,40}\b(?:for (?:a )?"
            r"(?:party|parties|rave|festival|fun)|at (?:a )?(?:party|rave|festival|club))\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:buy|buying|purchase|purchasing|order|ordering|get|getting|obtain|score|source|"
            r"cop)\b(?: \w+){0,4}? (?:ketamine|esketamine|spravato|k|ket|special k|ketamina)\b(?: \w+){0,4}? online\b"
            r"(?![^.?!]*\b(?:telehealth|telemedicine|therapy|provider|clinic|doctor|prescribed|prescription|"
            r"program)\b)",
        ),
        (
            "boundary.illicit",
            r"\b(?:where|how|who|which \w+)\b[^.?!]{0,30}\b(?:buy|score|cop|purchase|order|"
            r"find a dealer|get some|get hold of|get my hands on|sells?)\b[^.?!]{0,30}\b(?:ketamine|k|ket|special k|"
            r"esketamine|spravato|powder|ketamina)\b|\bwhere (?:can|do|could|to) (?:i |you )?(?:get|buy|find|"
            r"score|cop) (?:some )?(?:ketamine|k|ket|special k|esketamine|spravato|ketamina)\b(?! (?:therapy|"
            r"treatment|infusions?|clinics?|prescribed|for (?:ptsd|depression|my)))",
        ),
        (
            "boundary.illicit",
            r"\b(?:dark ?web|darknet|deep web|black market|drug dealer|dealer|plug|vendor|"
            r"street (?:ketamine|k|ket)|party dose|key bump|bump of k|line of (?:k|ket|ketamine)|rails? of|"
            r"recreational (?:dose|amount)|(?:use|take|try|do) (?:\w+ )?recreationally|get(?:ting)? (?:high|messed up|wasted|fucked up|"
            r"a buzz) (?:on|off|from|with)|(?<!bad )(?<!horrible )(?<!scary )trip(?:ping)? (?:on|balls)|k ?hole at home|(?:reach|get|hit|achieve|"
            r"into) (?:a |the )?k hole|how to (?:k hole|khole))\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:how (?:to|do i|do you|can i|could i|would i|would you|does one)|steps to|way to|"
            r"recipe for|guide to|instructions (?:to|for)|teach me to|help me|i want to|i am going to|tips (?:to|for))"
            r"(?: \w+){0,3}? (?:make|making|synthesi[sz]e|synthesi[sz]ing|cook|cooking|manufacture|brew|extract|"
            r"extracting|produce|isolate|convert|crystalli[sz]e|purify|dry out|evaporate)\b[^.?!]{0,40}\b(?:ketamine|"
            r"esketamine|spravato|ket|arketamine|the spray|nasal spray|powder|crystals?|ketamina)\b|\b(?:synthesi[sz]"
            r"\w+|cook\w*|extract\w*|manufactur\w*) (?:my own |some |homemade )?(?:ketamine|esketamine|ket|"
            r"ketamina)\b|\b(?:ketamine|esketamine) (?:synthesis|recipe|precursors?|from scratch)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:fake|faking|forge|forged|forging|fraudulent|counterfeit|steal|stealing|stole|"
            r"alter|altering|altered|photoshop\w*|copy|copying|print)\b[^.?!]{0,30}\b(?:prescriptions?|pads?|rx|"
            r"scripts?|doctors? note|signature)\b|\b(?:prescription|script|rx) (?:pad|pads|fraud|forgery)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:doctors?|clinics?|prescribers?|psychiatrists?|providers?|places?)\b[^.?!]{0,20}"
            r"\b(?:hand out|hands out|give out|gives out|prescribe|prescribes|write|writes|dish out)\b[^.?!]{0,30}"
            r"\b(?:easily|no questions|without questions|without asking|freely|like candy)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:convince|trick|persuade|get|make|pressure|fool|lie to|lying to)\b(?: \w+){0,3}? "
            r"(?:doctor|psychiatrist|prescriber|clinic|nurse|pharmacist|provider)\b[^.?!]{0,40}\b(?:more|extra|"
            r"higher|bigger|stronger|take home|to go|refill|another|early)\b|\b(?:take|bring|sneak|keep|smuggle)"
            r"(?: \w+){0,3}? (?:spravato|devices?|sprays?|ketamine|esketamine|the spray|vials?|doses?|it) "
            r"(?:home|out of the clinic|out with me)\b|\b(?:hide|hiding|conceal|not tell|keep secret)\b[^.?!]{0,30}"
            r"\b(?:ketamine|use|using|drug use|esketamine)\b[^.?!]{0,30}\b(?:from|doctor|psychiatrist|clinic|"
            r"therapist|drug test|team)\b|\bwithout my (?:doctor|psychiatrist|prescriber|clinic|team) "
            r"(?:knowing|finding out|noticing)\b|\blie to (?:my |the )?(?:doctor|psychiatrist|prescriber|clinic|"
            r"nurse|team)\b|\bdoctor ?shop\w*\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:vet tech|vet clinic|veterinar\w+|horse tranquili[sz]er|animal clinic)\b[^.?!]"
            r"{0,60}\b(?:get|give|steal|take|bring|sneak|me|ketamine|some)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:self (?:medicat\w*|treat\w*|dos\w*|administer\w*|prescrib\w*))\b[^.?!]{0,40}"
            r"\b(?:ketamine|esketamine|spravato|k|ket|powder|it|with|my|ptsd)\b|\b(?:ketamine|esketamine|k|ket) "
            r"(?:powder )?(?:to|for) self (?:medicat\w*|treat\w*)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:snort|snorting|insufflat\w*|inject|injecting|shoot up|smoke|smoking|plug|"
            r"boof|boofing|crush|crushing|dissolve)\b[^.?!]{0,30}\b(?:ketamine|k|ket|powder|lozenges?|troches?|"
            r"esketamine|spravato|ketamina)\b[^.?!]{0,40}\b(?:how|myself|at home|self|better|faster|stronger|i|"
            r"my)\b|\b(?:how (?:to|do i|do you|can i|should i)|can i|should i) (?:snort|inject|smoke|plug|boof|"
            r"crush|insufflate|shoot up)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:get|getting|buy|buying|extra|more|leftover)\b[^.?!]{0,30}\b(?:ketamine|"
            r"spravato|esketamine|devices|sprays|doses)\b[^.?!]{0,30}\b(?:to take home|for home|at home|for "
            r"later|for myself|for my friend|to keep)\b",
        ),
        (
            "boundary.jailbreak",
            r"\b(?:ignore|disregard|forget|override|bypass|skip|drop|turn off|disable|break)\b"
            r"(?: \w+){0,4}? (?:instructions|rules|guidelines|programming|restrictions|guardrails|policy|policies|"
            r"safety|filters?|system prompt|prompt|training|limits|limitations|constraints|directives|"
            r"safeguards|ethics|disclaimers?)\b",
        ),
        (
            "boundary.jailbreak",
            r"\b(?:pretend|act|roleplay|role play|play the role|imagine|you are now|you are "
            r"a|from now on you are|lets play|let us play|simulate|behave as)\b(?: \w+){0,4}? (?:you are|to be|as|"
            r"that you are|like you are|a|an|my)? ?(?:\w+ )?(?:doctor|psychiatrist|pharmacist|nurse|dealer|chemist|"
            r"physician|prescriber|unrestricted|unfiltered|uncensored|evil|without (?:rules|restrictions|limits)|"
            r"no rules|jailbroken|dan|character|friend)\b|\b(?:developer|god|dan|jailbreak|unrestricted|sudo|"
            r"admin|debug) mode\b|\bsystem override\b|\byou are (?:now )?dan\b|\bjailbreak\w*\b|\bno (?:rules|"
            r"restrictions|limits|filters) (?:apply|mode)\b|\b(?:with|having) no (?:rules|restrictions|limits|filters|"
            r"guardrails)\b|\bwithout (?:any )?(?:rules|restrictions|limits|filters|guardrails)\b",
        ),
        (
            "boundary.es",
            r"\b(?:que|cuanta|cuantas|cuanto) (?:dosis|cantidad|ketamina|esketamina|spravato)(?: \w+){0,3}? "
            r"(?:debo|deberia|tengo que|puedo|necesito)\b|\b(?:puedo|debo|deberia|es seguro|esta bien si|se puede)"
            r"(?: \w+){0,2}? (?:dejar|suspender|parar|tomar|beber|manejar|conducir|duplicar|doblar|aumentar|bajar|"
            r"reducir|mezclar|combinar|usar|fumar|saltar|tomarme)\b|\bcomprar (?:ketamina|esketamina|spravato|k)\b|"
            r"\bsin receta\b|\bcompr(?!obad)\w* (?:\w+ )?(?:ketamina|esketamina|spravato)\b|\b(?:duplicar|doblar|aumentar) "
            r"(?:mi |la )?dosis\b|\b(?:fabricar|hacer|hago|preparar|"
            r"sintetizar|cocinar) (?:\w+ )?ketamina\b|\breceta falsa\b|\bdonde (?:consigo|compro|puedo conseguir|puedo "
            r"comprar|se consigue|se compra|venden) (?:\w+ )?(?:ketamina|esketamina|spravato|k)\b",
        ),
        (
            "boundary.personal_dose",
            r"\bmy (?:ideal|right|best|correct|optimal|proper|personal|perfect) (?:\w+ )?(?:dose|dosage|amount)\b|"
            r"\b(?:to )?write me (?:a |an )?(?:\w+ )?(?:prescription|rx)\b|\b(?:to )?write me (?:a |an )?(?:new )?"
            r"(?:ketamine|esketamine|spravato|k|ket|med\w*|drug|pill|xanax|benzo) script\b",
        ),
        # --- families added after the first blind probe round
        (
            "boundary.personal_dose",
            r"\b(?:dose|dosage|amount|how much|how many|mg)\b[^.?!]{0,50}\b(?:for me|(?:someone|a(?: \w+){1,3}) "
            r"like me|for my (?:weight|size|age|body|height)|at my (?:weight|size|age))\b|\bhow (?:much|"
            r"many)\b(?: \w+){0,5}? (?:should|do|can|could|would) i\b(?: \w+){0,2}? (?:try|start with|begin with|"
            r"give myself|go up to|work up to|handle)\b",
        ),
        (
            "boundary.illicit",
            r"\b(?:get|buy|obtain|take|use|keep|score|order|find)\b[^.?!]{0,40}\bwithout (?:them|him|her|"
            r"my \w+|anyone|anybody|the clinic|the doctor|my team|my family) (?:knowing|finding out|noticing|"
            r"seeing|being told)\b|\b(?:somewhere|someone|another (?:clinic|doctor|place)) else\b[^.?!]{0,30}"
            r"\bwithout (?:them|my \w+|the clinic) (?:knowing|finding out)\b",
        ),
    ]
)
# Words that make a general question a personal or illicit one; without them (and without
# "I"/"my") the semantic layer does not route to boundary ("Who should not get ketamine?").
BOUNDARY_CUE = _rx(
    r"\b(?:buy|order|purchase|score|cop|dealer|plug|vendor|street|dark ?web|darknet|online|without (?:a |an )?"
    r"(?:prescription|doctor|script|rx)|high|trip|tripping|party|parties|recreational\w*|fake|forge\w*|steal|"
    r"smuggle|synthesi\w+|cook|extract|snort\w*|inject\w*|pretend|roleplay|role play|ignore|jailbreak\w*|"
    r"unrestricted|prescribe me|write me|my dose|k hole|microdos\w*|self (?:medicat|dos|treat)\w*)\b"
)
# Role-play / fiction framing around an otherwise boundary request ("for a novel, how is it cooked").
FICTION = _rx(
    r"\bfor (?:a|my) (?:story|novel|book|screenplay|script|game|movie|film|play|poem|character|fiction)\b|"
    r"\b(?:you are|your|as a|in) (?:a )?character\b|\brole ?play\w*\b|\bpretend\w*\b|\bin a story\b|"
    r"\bhypothetically\b|\bin theory\b|\bjust curious\b|\basking for a friend\b"
)
# What a fiction frame asks for that makes it a boundary request.
FICTION_ASK = _rx(
    r"\b(?:dose|dosage|how much|how many|buy|make|cook|synthesi\w+|prescription|get (?:it|some))\b"
)
FICTION_DEATH = _rx(
    r"\b(?:kill (?:himself|herself|themselves|myself)|suicide|suicidal|overdose|od|die|dies|end "
    r"(?:his|her|their|my) life|take (?:his|her|their) (?:own )?life)\b"
)

# ---------------------------------------------------------------------------------------
# Scope: what the assistant is about, and what is clearly something else.
# ---------------------------------------------------------------------------------------
IN_SCOPE = _rx(
    r"\b(?:ptsd|cptsd|tept|post ?traumatic|trauma\w*|ketamine|esketamine|arketamine|spravato|ketalar|"
    r"reactions?|emergence|intramuscular|intranasal|intravenous|iv|oral|evaluation|screening|eligib\w*|"
    r"contraindicat\w*|candidate|"
    r"ssris?|snris?|antidepress\w*|depress\w*|anxi\w*|panic|mental|psychiatr\w*|psycholog\w*|therap\w*|"
    r"counsel\w*|treatment|treatments|treat|treated|medication|medical|medicine|drugs?|doses?|dosing|dosage|"
    r"infusions?|injections?|nasal|spray|sprays|clinic|clinics|clinical|doctor|doctors|nurse|prescri\w*|side "
    r"effects?|symptoms?|diagnos\w*|flashbacks?|nightmares?|dissociat\w*|hypervigilan\w*|triggers?|triggered|"
    r"emdr|cpt|exposure|veterans?|military|combat|fda|trials?|study|studies|research|evidence|insurance|health|"
    r"brain|suicid\w*|self harm|crisis|988|lifeline|samaritans|sleep|insomnia|mood|stress|stressed|grief|"
    r"abuse|abused|assault\w*|rape|ocd|bipolar|psychosis|addiction|addictive|substance|sober|sobriety|rems|"
    r"nmda|glutamate|anesthe\w*|anaesthe\w*|hallucin\w*|blood pressure|bladder|nausea|remission|relapse|"
    r"recovery|wellbeing|well being|wellness|emotion\w*|feelings?|cope|coping|calm|grounding|breathing|"
    r"meditat\w*|mindful\w*|psychedelic\w*|mdma|psilocybin|lozenges?|troches?|dissociative|sertraline|"
    r"paroxetine|zoloft|prazosin|session|sessions|appointment|patients?|psychotherapy|guideline\w*|"
    r"va|dod|nightmare|memories|fear|afraid|scared|nervous|worried|hopeless|lonely|sad|"
    r"overwhelmed|angry|anger|numb|warning label|off label|"
    r"addict\w*|alcohol|drinking|cannabis|weed|pill|pills|tablets?|hospital|emergency|"
    r"911|helpline|hotline|caps|pcl|pcl ?5|caps ?5|9 ?8 ?8|placebo|midazolam|mg|efficacy|"
    r"chronic|acute|disorder|illness|veteran|soldier|soldiers|deployment|"
    r"paramedic|firefighter|violence|violent|domestic|hurt|pain|dying|die|died|death|"
    r"kill|killing|suicide|ketamina|esketamina|salud|terapia|tratamiento|medicamento|trastorno|ansiedad|"
    r"depresion|trauma|dosis|efectos|pesadillas|recuerdos|medico|clinica|sesion|infusion|emergencia|"
    r"advertencias|articulo popular)\b"
)
OUT_OF_SCOPE_TOPICS = _table(
    [
        (
            "oos.food",
            r"\b(?:lemonade|juice|smoothies?|tea recipe|coffee recipe|recipes?|cook|cooking|bake|baking|boil|boiled|fry|roast|grill|lasagna|pizza|bread|"
            r"sourdough|soup|paella|pasta|salad|cake|cookies?|muffins?|dough|omelet\w*|eggs?|dinner|lunch|"
            r"breakfast|restaurant|ramen|sushi|cocktail|smoothie|receta|cocinar)\b",
        ),
        (
            "oos.sport",
            r"\b(?:football|soccer|basketball|baseball|tennis|golf|hockey|cricket|rugby|nfl|nba|mlb|"
            r"nhl|super bowl|world cup|olympics|offside|touchdown|players? on|team won|who won|futbol|mundial|"
            r"partido|championship|league|playoffs?|marathon)\b",
        ),
        (
            "oos.code",
            r"\b(?:python|javascript|java|typescript|sql|c\+\+|rust|golang|html|css|react|node ?js|"
            r"linux|bash|git|github|merge conflict|compile|compiler|api|regex|function|variable|array|list in|"
            r"recursion|algorithm|code|coding|program|programming|script|debug|stack overflow|docker|kubernetes|"
            r"excel|spreadsheet|website|scrape|scraper|app development|database)\b",
        ),
        (
            "oos.weather",
            r"\b(?:weather|forecast|rain|raining|snow|snowing|sunny|temperature|humid\w*|hurricane|"
            r"tornado|clima|tiempo hara|lluvia)\b",
        ),
        (
            "oos.travel",
            r"\b(?:travel|trip to|visa|flights?|fly to|fly on|flying to|cheaper to fly|hotels?|vacation|holiday|tourist|things to do in|"
            r"itinerary|airport|passport)\b",
        ),
        (
            "oos.trivia",
            r"\b(?:capital of|who painted|who wrote|who invented|what year did|when did the|population of|"
            r"tallest mountain|largest country|time zone|translate|translation|plot of|summari[sz]e the book|"
            r"black holes?|planets?|universe|dinosaurs?|whale|megalodon|shark|berlin wall|world war|roman empire|"
            r"president of|prime minister|election|mona lisa|shakespeare|hamlet|pyramids?|egypt\w*|ancient rome|"
            r"greek myth\w*|vikings?|tie a tie|tie a knot|recommend (?:me )?a book|good books?|book recommendations?|"
            r"meaning of life|horoscope|zodiac|astrology|learn (?:spanish|french|german|english|a language|to code)|"
            r"bike chain|grow (?:basil|tomatoes|herbs)|distance (?:from|between) \w+ (?:to|and) (?:mars|the moon|"
            r"\w+)|what time is it in)\b",
        ),
        (
            "oos.creative",
            r"\b(?:joke|jokes|poem|poems|song|lyrics|story about|short story|limerick|haiku|riddle|"
            r"cover letter|resume|cv|essay|birthday message|wedding speech)\b",
        ),
        (
            "oos.shopping_money",
            r"\b(?:smartphone|iphone|android|laptop|computer|tv|television|headphones|stocks?|"
            r"invest|investing|investment|crypto|bitcoin|taxes|tax return|tax extension|file (?:my |for a )?tax\w*|mortgage|loan|credit card|budget app|"
            r"car insurance|buy a car)\b",
        ),
        (
            "oos.home",
            r"\b(?:flat tire|tyre|oil change|engine light|unclog|drain|plumbing|paint a room|garden|"
            r"gardening|aphids|roses|lawn|houseplants?|succulents?|cactus|repot\w*|swim|swimming|furniture|laundry|stain|vacuum|wifi|router)\b",
        ),
        (
            "oos.pets",
            r"\b(?:puppy|dog training|train my dog|kitten|cat food|hamster|aquarium|parrot|pet names|"
            r"names for my)\b",
        ),
        (
            "oos.hobby",
            r"\b(?:guitar|piano|chess|video games?|minecraft|fortnite|knitting|crochet|photography|"
            r"movie|movies|film|tv show|netflix|novel to read|books? to read|sci fi|science fiction)\b",
        ),
        (
            "oos.math",
            r"\b\d+ ?% of \d+|\bpercent of\b|\bwhat is \d+ (?:plus|minus|times|divided by)\b|"
            r"\bsolve (?:for x|this equation)\b|\bderivative\b|\bintegral\b",
        ),
        (
            "oos.misc",
            r"\b(?:podcasts?|start running|jogging|marathon training|air filter|oil filter|car s|my car|tire "
            r"pressure|haircut|hairstyle|makeup|skincare|fashion|outfit|wedding|birthday party|gift ideas?)\b",
        ),
        (
            "oos.household",
            r"\b(?:gifts?|anniversary|clean (?:my |the )?(?:oven|kitchen|house|fridge|bathroom|carpet)|oven|"
            r"dishwasher|microwave|tv series|series to watch)\b",
        ),
        # --- families added after the first blind probe round
        (
            "oos.home",
            r"\b(?:faucet|leak\w*|sink|toilet|gutter|drywall|plumber|electrician|change (?:a|my|the) (?:tire|"
            r"tyre|oil|light ?bulb|battery)|fix (?:a|my|the) (?:\w+ )?(?:door|fence|roof|bike|car|window|"
            r"shower|dishwasher|fridge|washer)|ants|roaches|cockroaches|mice|termites|bed bugs|pests?)\b",
        ),
        (
            "oos.nutrition_fitness",
            r"\b(?:calories|protein|carbs|macros|keto|vegan|workout (?:plan|routine)|abs|six pack|bench press|"
            r"squats?|biceps|gym routine|lose weight fast|bulk up|push ?ups|cardio routine)\b",
        ),
        (
            "oos.trivia",
            r"\b(?:how (?:tall|high|far|old|big|deep|long) is (?:the |mount |mt )?(?:[a-z]+ )?(?:everest|"
            r"mountain|river|ocean|tower|building|statue|bridge|moon|sun|earth|planet|wall)|mount \w+|everest|"
            r"continents?|crocodiles?|alligators?|elephants?|giraffes?|penguins?|octopus|dolphins?|lions?|"
            r"tigers?|sharks?)\b",
        ),
        (
            "oos.math",
            r"\b\d+ ?x ?[+\-*/=]|\bsolve\b[^.?!]{0,20}\d|\b(?:equation|algebra|calculus|trigonometry|"
            r"quadratic|fractions?|long division)\b",
        ),
    ]
)

SPANISH_WORDS = frozenset(
    "que de el la los las y en un una por para con es se lo le su al del como pero muy mas ya esta estoy "
    "tengo quiero puedo debo hace despues cuando porque donde cual cuanta cuanto cuantas cuantos sin "
    "sobre hay son soy ser estar nada nadie todo todos vida morir ketamina esketamina dosis receta hola "
    "gracias tambien pastillas sesion tratamiento efectos secundarios dolor cabeza pecho puede pueden "
    "tiene ayuda necesito sigo siento hermano familia mejor olvidalo ojala nunca siempre noche dia dias "
    "ahora aguanto matar matarme suicidarme hago dano vivir quiero pienso pensando tome mi mis yo tu "
    "usted esto eso este ese algo alguien dormir despertar miedo esposo esposa pareja pega golpea respirar "
    "duele desmaye infusion orina sangre vomitar mareado mareada manejar conducir comprar dejar beber "
    "estudio estres trastorno postraumatico ansiedad depresion terapia medico clinica salud cuales cual "
    "que como cuando donde quien estaria estarian sola solo harto harta vale pena sentido despedida "
    "aprobada aprobado funciona mundial futbol tiempo hara manana paella lista orden invierto ganas saber "
    "trafico matando tarde cita hace anos pensamientos suicidas usaron uso midieron ideacion suicida "
    "estudios durante desde todavia".split()
)
ENGLISH_WORDS = frozenset(
    "the and i you is are to of it my what how for in on with this that do does can have has be was will "
    "would should about after want feel am im not just like get so if your they he she we there from "
    "at an or but all any been did dont cant its know why when where who which some more much many".split()
)
