/* A DLL the fake termb.dll needs, beside it in its folder, as vendors ship
   their SDKs (Windows only). */
int cvr_dep_ok(void) { return 1; }
