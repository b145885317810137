#!/usr/bin/env node
'use strict';
// The `mqttloop` command (mqttloop pub / mqttloop sub): the compiled CLI in dist/.
require('../dist/cli/main.js').run();
