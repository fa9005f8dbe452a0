/* old-kernel [--no-vm-clone] PROGRAM [ARG...]: runs PROGRAM as on RHEL 8's
 * kernel (4.18): every system call added since Linux 5.1 (number 424 and up
 * on every architecture: pidfd_open, clone3, close_range, openat2, ...)
 * fails with ENOSYS, through a seccomp filter inherited across exec and
 * fork. With --no-vm-clone a clone() sharing memory without being a thread
 * or a vfork fails with EPERM too, as under some container runtimes'
 * filters. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define OWN_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define OWN_ARCH AUDIT_ARCH_AARCH64
#else
#define OWN_ARCH 0 /* add this architecture's AUDIT_ARCH_ */
#endif
#define FIRST_NEW_SYSCALL 424

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RETURN(v) BPF_STMT(BPF_RET | BPF_K, (v))

int main(int argc, char **argv)
{
        int no_vm_clone = argc > 1 && strcmp(argv[1], "--no-vm-clone") == 0;
        struct sock_filter filter[] = {
                LOAD(arch),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, OWN_ARCH, 1, 0),
                RETURN(SECCOMP_RET_ALLOW),
                LOAD(nr),
                BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, FIRST_NEW_SYSCALL, 0, 1),
                RETURN(SECCOMP_RET_ERRNO | ENOSYS),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4),
                LOAD(args[0]), /* the low 32 bits: the flags */
                BPF_STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_VM | CLONE_VFORK | CLONE_THREAD),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLONE_VM, 0, 1),
                RETURN(no_vm_clone ? SECCOMP_RET_ERRNO | EPERM : SECCOMP_RET_ALLOW),
                RETURN(SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };
        char **cmd = argv + 1 + no_vm_clone;

        if (OWN_ARCH == 0) {
                fprintf(stderr, "old-kernel: not written for this architecture\n");
                return 125;
        }
        if (!*cmd) {
                fprintf(stderr, "usage: old-kernel [--no-vm-clone] PROGRAM [ARG...]\n");
                return 2;
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
                perror("old-kernel: seccomp");
                return 125;
        }
        execvp(cmd[0], cmd);
        fprintf(stderr, "old-kernel: %s: %s\n", cmd[0], strerror(errno));
        return errno == ENOENT ? 127 : 126;
}
