# The gyp file of the published package, for a source build where no
# prebuilt binary fits: `npx node-gyp rebuild -C node_modules/exitmon/src/native`
# (docs/install.md). It is not at the package root on purpose: npm runs (and
# lists) `node-gyp rebuild` as an install script for a root binding.gyp.
# Keep the flags in step with ../../binding.gyp (test/package/prebuilds.test.ts checks).
{
  "targets": [
    {
      "target_name": "exitmon",
      "sources": ["exitmon.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-O2", "-Wall"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall"],
      "ldflags": ["-Wl,-z,now"],
      "conditions": [
        ["OS!='linux'", { "sources!": ["exitmon.c"], "type": "none" }]
      ]
    }
  ]
}
