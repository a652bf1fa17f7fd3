module.exports = require('./temp-dir-setup').teardown;
