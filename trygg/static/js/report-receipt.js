// The receipt page after a report sent without JavaScript: if JavaScript runs after all,
// offer the copy button. Nothing is sent anywhere.

import { installCopy, strings } from "./report-common.js";

installCopy(strings());
