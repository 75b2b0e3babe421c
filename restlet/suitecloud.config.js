// The SuiteCloud CLI's project file: the SDF project (manifest.xml, deploy.xml, FileCabinet/,
// Objects/) lives in src/, as Oracle lays projects out.
module.exports = {
  defaultProjectFolder: 'src',
  commands: {},
};
