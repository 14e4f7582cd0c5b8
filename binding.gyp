{
  "targets": [
    {
      "target_name": "exitmon",
      "sources": ["src/native/exitmon.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-O2", "-Wall"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall"],
      "ldflags": ["-Wl,-z,now"],
      "conditions": [
        ["OS!='linux'", { "sources!": ["src/native/exitmon.c"], "type": "none" }]
      ]
    }
  ]
}
