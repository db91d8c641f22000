// The console's bundle (dist/console/app.js): defines the tags; index.html holds <privacy-console>.
import './define.js';
