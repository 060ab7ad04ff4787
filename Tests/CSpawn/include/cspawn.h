#ifndef CSPAWN_H
#define CSPAWN_H
#include <spawn.h>

// glibc declares these only under _GNU_SOURCE, which Swift's Glibc module is built without; cspawn.c
// defines it for itself.

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34): the child closes every descriptor >= `from`.
int cspawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);
/// posix_spawn_file_actions_addchdir_np (glibc 2.29): the child changes to `path` before exec.
int cspawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
#endif
