import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { renderElements } from '@optimesys/privacy-widgets/ssr';

const app = express();
// The browser bundles and the elements' stylesheets, served from your own origin.
const cdn = dirname(fileURLToPath(import.meta.resolve('@optimesys/privacy-widgets/cdn/define.js')));
app.use('/privacy-widgets', express.static(cdn));

app.get('/privacy', async (req, res) => {
  const lang = req.acceptsLanguages('fi', 'sv', 'en') || 'fi';
  const body = await renderElements(
    `<privacy-notice request-href="#data-request"></privacy-notice>
     <data-request-form id="data-request" endpoint="/api/records"></data-request-form>`,
    // linked stylesheets: a strict policy (style-src 'self') refuses inline <style>
    { lang, stylesheet: (tag) => `/privacy-widgets/styles/${tag}.css` },
  );
  res.set('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'");
  res.type('html').send(`<!doctype html>
<html lang="${lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Privacy</title>
  <script type="module" src="/privacy-widgets/hydrate/define.js"></script>
</head>
<body>${body}</body>
</html>`);
});

export default app;
if (process.argv[1] === fileURLToPath(import.meta.url)) app.listen(3000, () => console.log('http://localhost:3000/privacy'));
