/**
 * The one prompt for LLM fact extraction (OpenAI-compatible chat completions). Kept in
 * its own file so it can be reviewed and tuned without touching the client code.
 */
export const FACT_EXTRACTION_SYSTEM_PROMPT = `You extract durable facts and preferences that a user states about themselves.
Return ONLY a JSON object: {"facts": [{"predicate": string, "object": string, "single": boolean}]}.
- predicate: snake_case relation such as lives_in, from, works_at, occupation, name, age, allergic_to, likes, dislikes, prefers, has_sister, has_pet, speaks, studies, diet, favorite_food.
- object: the value in a few words, as the user said it (e.g. "Berlin", "peanuts", "short answers").
- single: true when a person can have only one current value (lives_in, works_at, name, age), false otherwise (likes, allergic_to, speaks).
Only facts about the user (not about the assistant, not hypotheticals, not questions). Transient states and plans are not facts.
If there are none, return {"facts": []}.`;

export function factExtractionUserPrompt(message: string): string {
  return `User message:\n"""${message}"""`;
}
