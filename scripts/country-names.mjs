// Writes content/data/country_names.json: for each language of the list below, the countries of
// content/data/countries.toml (the codes a signer may choose) with their names from the Unicode
// CLDR (cldr-localenames-full, Unicode licence v3), the short form where CLDR has one
// ("Hong Kong", not "Hong Kong SAR China"), sorted by that language's collation (ICU, through
// Node's Intl.Collator). Run by scripts/country-names (which installs the pinned package).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [modules, countriesToml, out] = process.argv.slice(2);
const require = createRequire(modules + '/');
const pkg = require('cldr-localenames-full/package.json');
// Site language code → CLDR locale. Arabic serves the right-to-left fixture and a future
// translation; English names stay the hand-kept ones of countries.toml.
const languages = { 'zh-Hans': 'zh', 'zh-Hant': 'zh-Hant', es: 'es', fr: 'fr', ar: 'ar' };
const codes = [...readFileSync(countriesToml, 'utf8').matchAll(/^code = "([A-Z]{2})"/gm)].map((m) => m[1]);
const result = {
  source: `Unicode CLDR ${pkg.version} (cldr-localenames-full, Unicode License v3), made by scripts/country-names`,
  languages: {},
};
for (const [lang, locale] of Object.entries(languages)) {
  const territories = require(`cldr-localenames-full/main/${locale}/territories.json`).main[locale]
    .localeDisplayNames.territories;
  const rows = codes.map((code) => {
    const name = territories[`${code}-alt-short`] ?? territories[code];
    if (!name) throw new Error(`CLDR ${locale} has no name for ${code}`);
    return [code, name];
  });
  const collator = new Intl.Collator(lang, { sensitivity: 'base' });
  rows.sort((a, b) => collator.compare(a[1], b[1]));
  result.languages[lang] = rows.map(([code, name]) => ({ code, name }));
}
writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
console.log(`${out}: ${codes.length} countries in ${Object.keys(languages).join(', ')}`);
