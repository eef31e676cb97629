/*
 * Where mica.efi reads its files: the directory holding mica.efi on the boot
 * volume (EFI_SIMPLE_FILE_SYSTEM_PROTOCOL), or, after a PXE boot, the TFTP
 * server and directory of the DHCP boot file (EFI_PXE_BASE_CODE_PROTOCOL.Mtftp).
 * Names in mica.cfg are relative to that directory; a leading '/' or '\'
 * makes them relative to the volume (or TFTP) root instead.
 */
#include <mica/string.h>

#include "loader.h"

#define TFTP_BLOCK_SIZE 1468 /* fits a 1500-byte MTU; servers may refuse and use 512 */
#define FS_READ_CHUNK (16ULL << 20)

/* ---- small ASCII string builders ---- */

static void str_add(char *buf, size_t size, size_t *n, const char *s)
{
	while (*s && *n + 1 < size)
		buf[(*n)++] = *s++;
	buf[*n] = '\0';
}

static void uint_add(char *buf, size_t size, size_t *n, unsigned int v)
{
	char tmp[12];
	size_t i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	str_add(buf, size, n, tmp + i);
}

/* ---- where the loader lives ---- */

/* The node's path characters; false if a character is not printable ASCII. */
static bool filepath_node_add(EFI_DEVICE_PATH *dp, char *path, size_t size, size_t *n)
{
	const UINT8 *name = (const UINT8 *)dp + SIZE_OF_FILEPATH_DEVICE_PATH;
	size_t chars = ((size_t)DevicePathNodeLength(dp) - SIZE_OF_FILEPATH_DEVICE_PATH) / 2;

	for (size_t i = 0; i < chars; i++) {
		UINT16 c = (UINT16)(name[2 * i] | name[2 * i + 1] << 8); /* may be unaligned */

		if (!c)
			break;
		if (c == '/')
			c = '\\';
		if (c < 0x20 || c > 0x7e || *n + 2 >= size)
			return false;
		if (i == 0 && c != '\\' && (*n == 0 || path[*n - 1] != '\\'))
			path[(*n)++] = '\\';
		path[(*n)++] = (char)c;
	}
	path[*n] = '\0';
	return true;
}

/* "\EFI\BOOT\" from the FILEPATH nodes of "\EFI\BOOT\BOOTX64.EFI". */
static void fs_loader_dir(EFI_DEVICE_PATH *dp, char *dir, size_t size)
{
	char path[LOADER_PATH_MAX] = "";
	size_t n = 0, last = 0;

	for (; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		if ((size_t)DevicePathNodeLength(dp) < SIZE_OF_FILEPATH_DEVICE_PATH)
			break; /* malformed: stop rather than loop forever */
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH || DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		if (!filepath_node_add(dp, path, sizeof(path), &n)) {
			efi_info(L"loader path is not plain ASCII, using the volume root\n");
			n = 0;
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (path[i] == '\\')
			last = i + 1;
	path[last ? last : 0] = '\0';
	n = 0;
	dir[0] = '\0';
	str_add(dir, size, &n, last ? path : "\\");
}

static EFI_STATUS fs_open(EFI_FILE_IO_INTERFACE *fs, EFI_DEVICE_PATH *file_path, struct efi_source *src)
{
	EFI_STATUS st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &src->root);

	if (EFI_ERROR(st)) {
		efi_error(L"cannot open the boot volume: %r\n", st);
		return st;
	}
	fs_loader_dir(file_path, src->dir, sizeof(src->dir));
	efi_info(L"started from a file system, reading files from %a\n", src->dir);
	return EFI_SUCCESS;
}

static bool ipv4_set(const UINT8 *a)
{
	return a[0] | a[1] | a[2] | a[3];
}

/* Directory part of the DHCP boot file name: "boot/BOOTX64.EFI" -> "boot/". */
static void pxe_boot_dir(const EFI_PXE_BASE_CODE_DHCPV4_PACKET *pkt, char *dir, size_t size)
{
	size_t last = 0, n = 0;
	size_t len = strnlen((const char *)pkt->BootpBootFile, sizeof(pkt->BootpBootFile));

	for (size_t i = 0; i < len; i++)
		if (pkt->BootpBootFile[i] == '/' || pkt->BootpBootFile[i] == '\\')
			last = i + 1;
	dir[0] = '\0';
	for (size_t i = 0; i < last && n + 1 < size; i++)
		dir[n++] = pkt->BootpBootFile[i] == '\\' ? '/' : (char)pkt->BootpBootFile[i];
	dir[n] = '\0';
}

static EFI_STATUS pxe_open(EFI_HANDLE dev, struct efi_source *src)
{
	const EFI_PXE_BASE_CODE_DHCPV4_PACKET *ack, *proxy, *from;
	EFI_PXE_BASE_CODE_MODE *m;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, dev, &PxeBaseCodeProtocol, (void **)&src->pxe_bc);
	if (EFI_ERROR(st)) {
		efi_error(L"boot device has neither a file system nor PXE base code\n");
		return st;
	}
	m = src->pxe_bc->Mode;
	if (!m->Started || m->UsingIpv6) {
		efi_error(L"PXE base code is %a\n", m->Started ? "IPv6 (unsupported)" : "stopped");
		return EFI_UNSUPPORTED;
	}
	ack = m->DhcpAckReceived ? &m->DhcpAck.Dhcpv4 : NULL;
	proxy = m->ProxyOfferReceived ? &m->ProxyOffer.Dhcpv4 : NULL;
	from = ack && ipv4_set(ack->BootpSiAddr) ? ack : proxy;
	if (!from || !ipv4_set(from->BootpSiAddr)) {
		efi_error(L"no TFTP server (siaddr) in the DHCP ack or proxy offer\n");
		return EFI_NOT_FOUND;
	}
	src->pxe = true;
	memset(&src->server, 0, sizeof(src->server));
	memcpy(src->server.v4.Addr, from->BootpSiAddr, 4);
	pxe_boot_dir(from->BootpBootFile[0] || !proxy ? from : proxy, src->dir, sizeof(src->dir));
	efi_info(L"started by PXE, reading files from tftp://%d.%d.%d.%d/%a\n", from->BootpSiAddr[0],
		 from->BootpSiAddr[1], from->BootpSiAddr[2], from->BootpSiAddr[3], src->dir);
	return EFI_SUCCESS;
}

EFI_STATUS efi_source_open(EFI_LOADED_IMAGE *li, struct efi_source *src)
{
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	memset(src, 0, sizeof(*src));
	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle, &FileSystemProtocol, (void **)&fs);
	if (!EFI_ERROR(st))
		return fs_open(fs, li->FilePath, src);
	return pxe_open(li->DeviceHandle, src);
}

/* ---- names ---- */

static EFI_STATUS make_path(const struct efi_source *src, const char *name, size_t len, struct efi_file *f)
{
	char sep = src->pxe ? '/' : '\\';
	bool absolute = len && (name[0] == '/' || name[0] == '\\');
	size_t n = 0;

	if (absolute && src->pxe) {
		while (len && (*name == '/' || *name == '\\')) {
			name++;
			len--;
		}
	}
	if (!absolute)
		str_add(f->path, sizeof(f->path), &n, src->dir);
	if (n + len + 1 > sizeof(f->path))
		return EFI_BAD_BUFFER_SIZE;
	for (size_t i = 0; i < len; i++)
		f->path[n++] = name[i] == '/' || name[i] == '\\' ? sep : name[i];
	f->path[n] = '\0';

	n = 0;
	if (src->pxe) {
		str_add(f->shown, sizeof(f->shown), &n, "tftp://");
		for (int i = 0; i < 4; i++) {
			uint_add(f->shown, sizeof(f->shown), &n, src->server.v4.Addr[i]);
			str_add(f->shown, sizeof(f->shown), &n, i < 3 ? "." : "/");
		}
	}
	str_add(f->shown, sizeof(f->shown), &n, f->path);
	return EFI_SUCCESS;
}

/* ---- buffers ---- */

static UINT64 file_capacity(const struct efi_file *f)
{
	UINT64 size = f->size ? f->size : 1;

	return f->place == FILE_POOL ? size : ALIGN_UP(size, EFI_PAGE_SIZE);
}

static EFI_STATUS file_alloc(struct efi_file *f)
{
	EFI_PHYSICAL_ADDRESS addr;
	EFI_STATUS st;

	if (f->place == FILE_POOL) {
		st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, file_capacity(f), &f->data);
	} else {
		st = efi_alloc_low(f->size, &addr);
		f->data = (void *)(UINTN)addr;
	}
	if (EFI_ERROR(st)) {
		efi_error(L"cannot allocate %ld bytes%a for %a: %r\n", f->size,
			  f->place == FILE_LOW ? " below 4 GiB" : "", f->shown, st);
		f->data = NULL;
	}
	return st;
}

void efi_file_free(struct efi_file *f)
{
	if (!f->data)
		return;
	if (f->place == FILE_POOL)
		uefi_call_wrapper(BS->FreePool, 1, f->data);
	else
		uefi_call_wrapper(BS->FreePages, 2, (EFI_PHYSICAL_ADDRESS)(UINTN)f->data,
				  EFI_SIZE_TO_PAGES(file_capacity(f)));
	f->data = NULL;
}

/* ---- file system ---- */

static EFI_STATUS fs_size(EFI_FILE_HANDLE fh, UINT64 *size)
{
	UINT64 buf[(SIZE_OF_EFI_FILE_INFO + LOADER_PATH_MAX * sizeof(CHAR16)) / 8 + 1];
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)buf;
	UINTN n = sizeof(buf);
	EFI_STATUS st;

	st = uefi_call_wrapper(fh->GetInfo, 4, fh, &GenericFileInfo, &n, info);
	if (EFI_ERROR(st))
		return st;
	if (info->Attribute & EFI_FILE_DIRECTORY)
		return EFI_NOT_FOUND;
	*size = info->FileSize;
	return EFI_SUCCESS;
}

static EFI_STATUS fs_read_all(EFI_FILE_HANDLE fh, UINT8 *p, UINT64 left)
{
	while (left) {
		UINTN chunk = MIN(left, FS_READ_CHUNK);
		EFI_STATUS st = uefi_call_wrapper(fh->Read, 3, fh, &chunk, p);

		if (EFI_ERROR(st))
			return st;
		if (!chunk)
			return EFI_END_OF_FILE;
		p += chunk;
		left -= chunk;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS fs_load(struct efi_source *src, struct efi_file *f)
{
	CHAR16 wpath[LOADER_PATH_MAX];
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;
	size_t i;

	for (i = 0; f->path[i]; i++)
		wpath[i] = (CHAR16)f->path[i];
	wpath[i] = 0;
	st = uefi_call_wrapper(src->root->Open, 5, src->root, &fh, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		efi_error(L"cannot open %a: %r\n", f->shown, st);
		return st;
	}
	st = fs_size(fh, &f->size);
	if (EFI_ERROR(st)) {
		efi_error(L"cannot get the size of %a: %r\n", f->shown, st);
	} else {
		st = file_alloc(f);
		if (!EFI_ERROR(st))
			st = fs_read_all(fh, f->data, f->size);
		if (EFI_ERROR(st) && f->data)
			efi_error(L"cannot read %a: %r\n", f->shown, st);
	}
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}

/* ---- TFTP ---- */

static EFI_STATUS tftp(struct efi_source *src, struct efi_file *f, EFI_PXE_BASE_CODE_TFTP_OPCODE op, void *buf,
		       UINT64 *size)
{
	UINTN block = TFTP_BLOCK_SIZE;

	return uefi_call_wrapper(src->pxe_bc->Mtftp, 10, src->pxe_bc, op, buf, FALSE, size, &block, &src->server,
				 (UINT8 *)f->path, NULL, FALSE);
}

/* Reports a failed transfer, with the server's own words when it sent some. */
static void tftp_report(struct efi_source *src, struct efi_file *f, EFI_STATUS st)
{
	EFI_PXE_BASE_CODE_MODE *m = src->pxe_bc->Mode;
	char msg[sizeof(m->TftpError.ErrorString) + 1];

	if (st != EFI_TFTP_ERROR || !m->TftpErrorReceived) {
		efi_error(L"cannot get %a: %r\n", f->shown, st);
		return;
	}
	memcpy(msg, m->TftpError.ErrorString, sizeof(m->TftpError.ErrorString));
	msg[sizeof(msg) - 1] = '\0';
	efi_error(L"cannot get %a: server says \"%a\" (TFTP error %d)\n", f->shown, msg, m->TftpError.ErrorCode);
}

static EFI_STATUS tftp_load(struct efi_source *src, struct efi_file *f)
{
	UINT64 got;
	EFI_STATUS st;

	st = tftp(src, f, EFI_PXE_BASE_CODE_TFTP_GET_FILE_SIZE, NULL, &f->size);
	if (EFI_ERROR(st)) {
		tftp_report(src, f, st);
		return st;
	}
	st = file_alloc(f);
	if (EFI_ERROR(st))
		return st;
	got = file_capacity(f);
	st = tftp(src, f, EFI_PXE_BASE_CODE_TFTP_READ_FILE, f->data, &got);
	if (!EFI_ERROR(st) && got != f->size)
		st = EFI_END_OF_FILE;
	if (EFI_ERROR(st))
		tftp_report(src, f, st);
	return st;
}

EFI_STATUS efi_file_load(struct efi_source *src, const char *name, size_t name_len, enum file_place place,
			 struct efi_file *f)
{
	EFI_STATUS st;

	memset(f, 0, sizeof(*f));
	f->place = place;
	if (EFI_ERROR(make_path(src, name, name_len, f))) {
		efi_error(L"file name too long: %a\n", name);
		return EFI_BAD_BUFFER_SIZE;
	}
	st = src->pxe ? tftp_load(src, f) : fs_load(src, f);
	if (EFI_ERROR(st)) {
		efi_file_free(f);
		return st;
	}
	efi_info(L"loaded %a (%ld bytes)\n", f->shown, f->size);
	return EFI_SUCCESS;
}
