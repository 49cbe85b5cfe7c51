/** Word lists of the demo catalogue: categories, title words per category, providers, countries. */

/** A demo category: its id and the nouns its titles are built from. */
export interface DemoCategory {
  id: string;
  nouns: readonly string[];
}

/** The fifteen categories of the demo catalogue (an imaginary media and goods shop). */
export const DEMO_CATEGORIES: readonly DemoCategory[] = [
  { id: 'drama', nouns: ['Promise', 'Letter', 'Harbour', 'Winter', 'Inheritance', 'Silence'] },
  { id: 'comedy', nouns: ['Wedding', 'Roommate', 'Holiday', 'Mix-up', 'Neighbour', 'Picnic'] },
  { id: 'documentary', nouns: ['Expedition', 'Archive', 'Witness', 'Frontier', 'Record', 'Trail'] },
  { id: 'science', nouns: ['Particle', 'Orbit', 'Genome', 'Equation', 'Telescope', 'Catalyst'] },
  { id: 'history', nouns: ['Empire', 'Dynasty', 'Revolution', 'Chronicle', 'Siege', 'Treaty'] },
  { id: 'travel', nouns: ['Road', 'Island', 'Passage', 'Journey', 'Coast', 'Market'] },
  { id: 'cooking', nouns: ['Kitchen', 'Recipe', 'Bakery', 'Spice', 'Harvest', 'Table'] },
  { id: 'music', nouns: ['Ballad', 'Chorus', 'Rhythm', 'Overture', 'Anthem', 'Session'] },
  { id: 'sports', nouns: ['Final', 'Season', 'Comeback', 'Derby', 'Marathon', 'Rivalry'] },
  { id: 'technology', nouns: ['Circuit', 'Algorithm', 'Network', 'Machine', 'Protocol', 'Signal'] },
  { id: 'design', nouns: ['Pattern', 'Studio', 'Blueprint', 'Palette', 'Chair', 'Typeface'] },
  { id: 'nature', nouns: ['Forest', 'River', 'Glacier', 'Meadow', 'Reef', 'Canyon'] },
  { id: 'fantasy', nouns: ['Dragon', 'Kingdom', 'Sorcerer', 'Crown', 'Portal', 'Prophecy'] },
  { id: 'mystery', nouns: ['Cipher', 'Alibi', 'Stranger', 'Key', 'Disappearance', 'Manor'] },
  { id: 'health', nouns: ['Balance', 'Breath', 'Recovery', 'Routine', 'Garden', 'Habit'] },
];

/** Adjectives shared by every category, combined with the category's nouns into titles. */
export const TITLE_ADJECTIVES: readonly string[] = [
  'Silent',
  'Golden',
  'Hidden',
  'Last',
  'Northern',
  'Broken',
  'Bright',
  'Quiet',
  'Wild',
  'Second',
  'Little',
  'Endless',
  'Crimson',
  'Distant',
  'Secret',
  'Modern',
  'Ancient',
  'Electric',
  'Paper',
  'Velvet',
];

/** Place words that some titles end with ("… of the North"). */
export const TITLE_PLACES: readonly string[] = [
  'the North',
  'the Valley',
  'Tomorrow',
  'the City',
  'the Sea',
  'Midnight',
  'the Old Town',
  'the Mountains',
];

/** Free-form tags; each item gets one or two. */
export const DEMO_TAGS: readonly string[] = [
  'award-winning',
  'classic',
  'new-release',
  'family',
  'short',
  'long-read',
  'series',
  'indie',
  'bestseller',
  'staff-pick',
  'limited',
  'remastered',
];

/** Providers (studios, publishers, brands): the unit of the exposure caps. */
export const DEMO_PROVIDERS: readonly string[] = Array.from(
  { length: 24 },
  (_, i) => `provider-${String(i + 1).padStart(2, '0')}`,
);

/** Countries of the event context, with a skew towards the first ones. */
export const DEMO_COUNTRIES: readonly string[] = ['US', 'DE', 'GB', 'FR', 'JP', 'BR', 'IN', 'CA'];
