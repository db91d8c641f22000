import { mkdir, writeFile } from 'node:fs/promises';
import { renderElements } from '@optimesys/privacy-widgets/ssr';

// node static-build.mjs public  →  public/fi/privacy.html, public/sv/privacy.html, public/en/privacy.html
const out = process.argv[2] ?? 'public';
for (const lang of ['fi', 'sv', 'en']) {
  const page = `<!doctype html>
<html lang="${lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Privacy</title>
  <script type="module" src="/privacy-widgets/hydrate/privacy-notice.js"></script>
</head>
<body>
  <privacy-notice heading-level="1"></privacy-notice>
</body>
</html>`;
  // <html lang> picks the language; copy dist/cdn to /privacy-widgets/ next to the pages
  const html = await renderElements(page, { stylesheet: (tag) => `/privacy-widgets/styles/${tag}.css` });
  await mkdir(`${out}/${lang}`, { recursive: true });
  await writeFile(`${out}/${lang}/privacy.html`, html);
}
