// English number words ("twenty-one", "one hundred five") → their integer value, for answers written in words.

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const SCALES: Record<string, number> = {
  hundred: 100,
  thousand: 1_000,
  million: 1_000_000,
  billion: 1_000_000_000,
};

/**
 * The integer a phrase of English number words names, or null when the phrase is not purely number words.
 * Accepts hyphens, "and" ("one hundred and five"), and a leading "minus"/"negative".
 */
export function parseNumberWords(text: string): number | null {
  const words = text
    .trim()
    .toLowerCase()
    .split(/[\s-]+/)
    .filter((w) => w !== '' && w !== 'and');
  if (words.length === 0 || words.length > 12) return null;
  let sign = 1;
  if (words[0] === 'minus' || words[0] === 'negative') {
    sign = -1;
    words.shift();
    if (words.length === 0) return null;
  }
  let total = 0;
  let group = 0;
  let sawAny = false;
  for (const w of words) {
    if (w in UNITS) group += UNITS[w]!;
    else if (w in TENS) group += TENS[w]!;
    else if (w === 'hundred') group = (group === 0 ? 1 : group) * 100;
    else if (w in SCALES) {
      total += (group === 0 ? 1 : group) * SCALES[w]!;
      group = 0;
    } else return null;
    sawAny = true;
  }
  return sawAny ? sign * (total + group) : null;
}
