/* acl: POSIX ACLs on tmpfs (a work directory under /dev/shm, tmpfs natively and under unik), set
 * and read as system.posix_acl_access / system.posix_acl_default in Linux's binary xattr format:
 * round trips, the validation errors, who may set them, the mode following the ACL (and S_ISGID
 * cleared for an owner outside the group), chmod rewriting the ACL, the permission checks they
 * give other users (named users and groups, the mask, supplementary groups, the quirk that a
 * mask of 0 in the mode skips the ACL), and inheritance of a directory's default ACL (the umask
 * then not applied). */
#include "fs.h"
#include <grp.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#define A "system.posix_acl_access"
#define D "system.posix_acl_default"
#define UO 0x01		/* ACL_USER_OBJ */
#define U 0x02		/* ACL_USER */
#define GO 0x04		/* ACL_GROUP_OBJ */
#define G 0x08		/* ACL_GROUP */
#define M 0x10		/* ACL_MASK */
#define O 0x20		/* ACL_OTHER */
#define NOID 0xffffffffu

struct ent {
	uint16_t tag, perm;
	uint32_t id;
};

/* An ACL's xattr value: version 2, then the entries as given. */
struct acl {
	uint32_t version;
	struct ent e[16];
};

static size_t acl_size(int n)
{
	return 4 + (size_t)n * sizeof(struct ent);
}

/* Builds an ACL of n entries from (tag, perm, id) triples. */
static struct acl mk(int n, ...)
{
	struct acl a = { .version = 2 };
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		a.e[i].tag = (uint16_t)va_arg(ap, int);
		a.e[i].perm = (uint16_t)va_arg(ap, int);
		a.e[i].id = va_arg(ap, uint32_t);
	}
	va_end(ap);
	return a;
}

static const char *tagname(unsigned t)
{
	switch (t) {
	case UO: return "u:";
	case U: return "u";
	case GO: return "g:";
	case G: return "g";
	case M: return "m:";
	case O: return "o:";
	default: return "?";
	}
}

/* Prints an ACL attribute as read back: its size and entries as TAG:ID:PERM (ID -1 for the
 * entries without one, as Linux writes them). */
static void show(const char *what, const char *path, const char *name)
{
	struct acl a;
	ssize_t n = getxattr(path, name, &a, sizeof(a));
	if (n < 0) {
		printf("%s: -1 %s\n", what, fs_errname(errno));
		return;
	}
	printf("%s: %zd bytes, version %u:", what, n, a.version);
	for (int i = 0; i < (int)((n - 4) / 8); i++)
		printf(" %s%d:%u", tagname(a.e[i].tag), (int)a.e[i].id, a.e[i].perm);
	printf("\n");
}

static void names(const char *what, const char *path)
{
	char buf[512];
	ssize_t n = listxattr(path, buf, sizeof(buf));
	if (n < 0) {
		printf("%s: -1 %s\n", what, fs_errname(errno));
		return;
	}
	printf("%s:", what);
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		printf(" %s", p);
	printf("\n");
}

#define SET(what, path, name, acl, n) CHECK(what, setxattr(path, name, &(acl), acl_size(n), 0))

/* The xattr format's errors and Linux's answers for each (tmpfs). */
static void errors(void)
{
	struct acl a = mk(3, UO, 6, NOID, GO, 4, NOID, O, 4, NOID);
	fs_puts("e", "");
	a.version = 1;
	SET("version 1", "e", A, a, 3);
	a.version = 2;
	CHECK("2 bytes", setxattr("e", A, &a, 2, 0));
	CHECK("5 bytes", setxattr("e", A, &a, 5, 0));
	CHECK("not a whole entry", setxattr("e", A, &a, acl_size(3) - 1, 0));
	struct acl b = mk(3, UO, 8 | 6, NOID, GO, 4, NOID, O, 4, NOID);
	SET("perm 8", "e", A, b, 3);
	b = mk(3, UO, 6, NOID, 3, 4, NOID, O, 4, NOID);
	SET("tag 3", "e", A, b, 3);
	b = mk(4, UO, 6, NOID, U, 4, 1000, GO, 4, NOID, O, 4, NOID);
	SET("named user without a mask", "e", A, b, 4);
	b = mk(4, UO, 6, NOID, GO, 4, NOID, G, 4, 1000, O, 4, NOID);
	SET("named group without a mask", "e", A, b, 4);
	b = mk(5, UO, 6, NOID, U, 4, NOID, GO, 4, NOID, M, 4, NOID, O, 4, NOID);
	SET("named user -1", "e", A, b, 5);
	b = mk(3, GO, 4, NOID, UO, 6, NOID, O, 4, NOID);
	SET("group_obj first", "e", A, b, 3);
	b = mk(2, UO, 6, NOID, GO, 4, NOID);
	SET("no other", "e", A, b, 2);
	b = mk(4, UO, 6, NOID, UO, 6, NOID, GO, 4, NOID, O, 4, NOID);
	SET("two user_obj", "e", A, b, 4);
	b = mk(5, UO, 6, NOID, GO, 4, NOID, O, 4, NOID, M, 4, NOID, O, 4, NOID);
	SET("mask after other", "e", A, b, 5);
	b = mk(6, UO, 6, NOID, GO, 4, NOID, U, 4, 1000, M, 4, NOID, O, 4, NOID, O, 4, NOID);
	SET("named user after group_obj", "e", A, b, 6);
	SET("a default ACL on a file", "e", D, a, 3);
	CHECK("remove the default ACL of a file", removexattr("e", D));
	CHECK("an empty default ACL on a file", setxattr("e", D, &a, 4, 0));
	a.version = 3;
	SET("version 3 default ACL on a file", "e", D, a, 3);
	a.version = 2;
	show("default ACL of a file", "e", D);
	show("no access ACL", "e", A);
	CHECK("remove an ACL never set", removexattr("e", A));
	CHECK("system.posix_acl_other", setxattr("e", "system.posix_acl_other", &a, 4, 0));
	CHECK("get system.posix_acl_accessx", getxattr("e", A "x", &a, sizeof(a)));
	CHECK("symlink to e", symlink("e", "l"));
	SET("a minimal ACL through the symlink", "l", A, a, 3);
	fs_show_mode("  mode of e", "e");
	CHECK("an ACL on the symlink itself", lsetxattr("l", A, &a, acl_size(3), 0));
	CHECK("get it on the symlink itself", lgetxattr("l", A, &a, sizeof(a)));
	CHECK("remove it on the symlink itself", lremovexattr("l", A));
	CHECK("unlink l", unlink("l"));
	CHECK("mkfifo", mkfifo("fifo", 0644));
	b = mk(5, UO, 6, NOID, U, 4, 1000, GO, 4, NOID, M, 4, NOID, O, 4, NOID);
	SET("an ACL on a FIFO", "fifo", A, b, 5);
	show("  read back", "fifo", A);
	CHECK("unlink fifo", unlink("fifo"));
	CHECK("unlink e", unlink("e"));
}

/* Setting, reading and removing an access ACL, and the mode following it. */
static void access_acl(void)
{
	fs_puts("f", "data");
	CHECK("chmod 0644", chmod("f", 0644));
	struct acl a = mk(6, UO, 7, NOID, U, 5, 1000, GO, 4, NOID, G, 6, 3000, M, 7, NOID, O, 1,
			  NOID);
	SET("set u::rwx u:1000:r-x g::r-- g:3000:rw- m::rwx o::--x", "f", A, a, 6);
	fs_show_mode("  mode", "f");
	show("  read back", "f", A);
	CHECK("  size of it", getxattr("f", A, NULL, 0));
	CHECK("  into a buffer one byte short", getxattr("f", A, &a, acl_size(6) - 1));
	names("  names", "f");
	a = mk(5, UO, 6, NOID, U, 4, 1000, GO, 4, NOID, M, 0, NOID, O, 0, NOID);
	CHECK("XATTR_CREATE over it (flags are not looked at)",
	      setxattr("f", A, &a, acl_size(5), XATTR_CREATE));
	fs_show_mode("  mode", "f");
	show("  read back", "f", A);
	a = mk(6, UO, 6, NOID, U, 4, 1001, U, 6, 1001, GO, 4, NOID, M, 6, NOID, O, 0, NOID);
	SET("the same named user twice", "f", A, a, 6);
	show("  read back", "f", A);
	a = mk(4, UO, 7, NOID, GO, 7, NOID, M, 5, NOID, O, 1, NOID);
	SET("a mask and no named entries", "f", A, a, 4);
	fs_show_mode("  mode", "f");
	show("  read back", "f", A);
	a = mk(3, UO, 6, NOID, GO, 0, NOID, O, 4, NOID);
	SET("u::rw- g::--- o::r-- (the mode says it all)", "f", A, a, 3);
	fs_show_mode("  mode", "f");
	show("  read back", "f", A);
	names("  names", "f");
	a = mk(5, UO, 6, NOID, U, 4, 1000, GO, 4, NOID, M, 4, NOID, O, 0, NOID);
	SET("set one again", "f", A, a, 5);
	CHECK("remove it", removexattr("f", A));
	fs_show_mode("  mode", "f");
	show("  read back", "f", A);
	SET("set one again", "f", A, a, 5);
	CHECK("an empty value removes it", setxattr("f", A, &a, 0, 0));
	show("  read back", "f", A);
	SET("set one again", "f", A, a, 5);
	CHECK("a header alone removes it", setxattr("f", A, &a, 4, 0));
	show("  read back", "f", A);
	CHECK("unlink f", unlink("f"));
}

/* chmod rewrites user_obj, other and the mask (group_obj stays). */
static void chmod_acl(void)
{
	fs_puts("c", "data");
	struct acl a = mk(5, UO, 6, NOID, U, 6, 1000, GO, 6, NOID, M, 6, NOID, O, 4, NOID);
	SET("set u::rw- u:1000:rw- g::rw- m::rw- o::r--", "c", A, a, 5);
	CHECK("chmod 0751", chmod("c", 0751));
	fs_show_mode("  mode", "c");
	show("  read back", "c", A);
	int fd = open("c", O_RDONLY);
	CHECK("fchmod 0406", fchmod(fd, 0406));
	close(fd);
	show("  read back", "c", A);
	CHECK("chown 1000:1000", chown("c", 1000, 1000));
	show("  read back", "c", A);
	CHECK("unlink c", unlink("c"));
}

/* Runs step(arg) in a child with these ids (and the supplementary group extra, unless 0). */
static void run_as(uid_t uid, gid_t gid, gid_t extra, void (*step)(const void *), const void *arg)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		gid_t groups[1] = { extra };
		if (setgroups(extra ? 1 : 0, groups) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid)) {
			printf("cannot become %u:%u\n", (unsigned)uid, (unsigned)gid);
			_exit(2);
		}
		step(arg);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		printf("child failed\n");
}

struct opening {
	const char *who, *path;
};

/* Opens the file for reading, then for writing (a struct opening). */
static void try_open(const void *arg)
{
	const struct opening *o = arg;
	char what[128];
	static const struct { int flags; const char *name; } how[] = {
		{ O_RDONLY, "read" }, { O_WRONLY, "write" },
	};
	for (int i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "  %s: %s %s", o->who, how[i].name, o->path);
		int fd = open(o->path, how[i].flags);
		fs_result(what, fd < 0 ? -1 : 0, errno);
		if (fd >= 0)
			close(fd);
	}
}

/* Opens path as each of these users, in a child each. */
static void as_users(const char *path)
{
	static const struct { uid_t uid; gid_t gid, extra; const char *who; } users[] = {
		{ 1000, 1000, 0, "named user 1000" },
		{ 1002, 1002, 0, "named user 1002 (---)" },
		{ 1001, 1001, 0, "another user" },
		{ 1003, 3000, 0, "group 3000" },
		{ 1004, 1004, 3000, "group 3000 (supplementary)" },
		{ 1005, 0, 0, "owning group" },
		{ 1006, 0, 3001, "owning group and group 3001" },
		{ 2000, 2000, 0, "the owner" },
	};
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		struct opening o = { users[i].who, path };
		run_as(users[i].uid, users[i].gid, users[i].extra, try_open, &o);
	}
}

static void search_as_named(const void *arg)
{
	CHECK("  user 1000: open sd/in", open("sd/in", O_RDONLY) < 0 ? -1 : 0);
	CHECK("  user 1000: list sd", open("sd", O_RDONLY | O_DIRECTORY) < 0 ? -1 : 0);
}

static void search_as_other(const void *arg)
{
	CHECK("  user 1001: open sd/in", open("sd/in", O_RDONLY) < 0 ? -1 : 0);
}

/* Other users' access through an ACL: named users and groups, the mask, other. */
static void permissions(void)
{
	fs_puts("p", "data");
	CHECK("chown 2000:0", chown("p", 2000, 0));
	struct acl a = mk(8, UO, 4, NOID, U, 6, 1000, U, 0, 1002, GO, 4, NOID, G, 6, 3000,
			  G, 0, 3001, M, 6, NOID, O, 0, NOID);
	SET("u::r-- u:1000:rw- u:1002:--- g::r-- g:3000:rw- g:3001:--- m::rw- o::---", "p", A, a,
	    8);
	fs_show_mode("  mode", "p");
	as_users("p");
	CHECK("chmod 0444 (mask r--)", chmod("p", 0444));
	show("  read back", "p", A);
	as_users("p");
	CHECK("chmod 0406 (mask ---: the ACL is not looked at)", chmod("p", 0406));
	as_users("p");
	/* a matching group without the permission denies, whatever other says */
	a = mk(5, UO, 6, NOID, GO, 4, NOID, G, 4, 3000, M, 6, NOID, O, 6, NOID);
	SET("u::rw- g::r-- g:3000:r-- m::rw- o::rw-", "p", A, a, 5);
	as_users("p");
	CHECK("remove the ACL", removexattr("p", A));
	fs_show_mode("  mode", "p");
	as_users("p");
	CHECK("unlink p", unlink("p"));

	/* searching a directory through a named user's x */
	CHECK("mkdir sd 0700", mkdir("sd", 0700));
	fs_puts("sd/in", "x");
	CHECK("chmod sd/in 0644", chmod("sd/in", 0644));
	a = mk(5, UO, 7, NOID, U, 1, 1000, GO, 0, NOID, M, 1, NOID, O, 0, NOID);
	SET("sd: u::rwx u:1000:--x g::--- m::--x o::---", "sd", A, a, 5);
	run_as(1000, 1000, 0, search_as_named, NULL);
	run_as(1001, 1001, 0, search_as_other, NULL);
	CHECK("unlink sd/in", unlink("sd/in"));
	CHECK("rmdir sd", rmdir("sd"));
}

static struct acl who_acl;

static void set_as_writer(const void *arg)
{
	SET("  user 1001 (may write): set an ACL", "o", A, who_acl, 5);
	CHECK("  user 1001: remove it", removexattr("o", A));
	show("  user 1001: read it", "o", A);
}

static void set_as_owner(const void *arg)
{
	SET(arg, "o", A, who_acl, 5);
	fs_show_mode("  mode", "o");
}

static void remove_as_owner(const void *arg)
{
	CHECK("  the owner: remove it", removexattr("o", A));
	fs_show_mode("  mode", "o");
}

/* Who may set an ACL: the owner (write permission or not), not another user with write
 * permission; reading needs nothing. S_ISGID goes when the owner is not in the group. */
static void who_may_set(void)
{
	fs_puts("o", "data");
	CHECK("chown 1000:3000", chown("o", 1000, 3000));
	CHECK("chmod 02466", chmod("o", 02466));
	who_acl = mk(5, UO, 6, NOID, U, 6, 1001, GO, 6, NOID, M, 6, NOID, O, 6, NOID);
	run_as(1001, 1001, 0, set_as_writer, NULL);
	run_as(1000, 1000, 0, set_as_owner,
	       "  the owner (r-- only, not in group 3000): set an ACL");
	show("  read back", "o", A);
	CHECK("chmod 02660", chmod("o", 02660));
	run_as(1000, 1000, 0, remove_as_owner, NULL);
	CHECK("chmod 02660", chmod("o", 02660));
	run_as(1000, 1000, 3000, set_as_owner, "  the owner in group 3000: set an ACL");
	CHECK("unlink o", unlink("o"));
}

/* New files and directories in a directory with a default ACL. */
static void inheritance(void)
{
	CHECK("mkdir d", mkdir("d", 0755));
	struct acl a = mk(6, UO, 7, NOID, U, 5, 1000, GO, 5, NOID, G, 7, 3000, M, 7, NOID, O, 1,
			  NOID);
	SET("d default: u::rwx u:1000:r-x g::r-x g:3000:rwx m::rwx o::--x", "d", D, a, 6);
	names("  names of d", "d");
	fs_show_mode("  mode of d", "d");
	mode_t old = umask(077);
	int fd = open("d/f", O_CREAT | O_WRONLY, 0664);
	close(fd);
	fs_show_mode("d/f (0664, umask 077)", "d/f");
	show("  access ACL", "d/f", A);
	show("  default ACL", "d/f", D);
	fd = open("d/x", O_CREAT | O_WRONLY, 0751);
	close(fd);
	fs_show_mode("d/x (0751)", "d/x");
	show("  access ACL", "d/x", A);
	CHECK("mkdir d/s 0750", mkdir("d/s", 0750));
	fs_show_mode("  mode", "d/s");
	show("  access ACL", "d/s", A);
	show("  default ACL", "d/s", D);
	names("  names", "d/s");
	CHECK("mkdir d/s/t 0777", mkdir("d/s/t", 0777));
	fs_show_mode("  mode", "d/s/t");
	show("  access ACL", "d/s/t", A);
	CHECK("mkfifo d/p 0666", mkfifo("d/p", 0666));
	fs_show_mode("  mode", "d/p");
	show("  access ACL", "d/p", A);
	CHECK("symlink d/l", symlink("f", "d/l"));
	CHECK("  its ACL", lgetxattr("d/l", A, &a, sizeof(a)));
	struct opening o = { "named user 1000", "d/f" };
	run_as(1000, 1000, 0, try_open, &o);

	CHECK("mkdir m", mkdir("m", 0755));
	a = mk(3, UO, 7, NOID, GO, 5, NOID, O, 5, NOID);
	SET("m default: u::rwx g::r-x o::r-x (no mask)", "m", D, a, 3);
	fd = open("m/f", O_CREAT | O_WRONLY, 0666);
	close(fd);
	fs_show_mode("m/f (0666, umask 077)", "m/f");
	show("  access ACL", "m/f", A);
	CHECK("remove m's default ACL", removexattr("m", D));
	fd = open("m/g", O_CREAT | O_WRONLY, 0666);
	close(fd);
	fs_show_mode("m/g (0666, umask 077)", "m/g");
	umask(old);
	CHECK("unlink d/f", unlink("d/f"));
	CHECK("unlink d/x", unlink("d/x"));
	CHECK("unlink d/p", unlink("d/p"));
	CHECK("unlink d/l", unlink("d/l"));
	CHECK("rmdir d/s/t", rmdir("d/s/t"));
	CHECK("rmdir d/s", rmdir("d/s"));
	CHECK("rmdir d", rmdir("d"));
	CHECK("unlink m/f", unlink("m/f"));
	CHECK("unlink m/g", unlink("m/g"));
	CHECK("rmdir m", rmdir("m"));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	umask(022);
	strcpy(fs_dir, "/dev/shm/acl-XXXXXX");
	if (!mkdtemp(fs_dir))
		fs_die("mkdtemp /dev/shm/acl-XXXXXX");
	if (chmod(fs_dir, 0755) || chdir(fs_dir) != 0)
		fs_die("chdir work dir");
	errors();
	access_acl();
	chmod_acl();
	permissions();
	who_may_set();
	inheritance();
	return fs_end();
}
