/*
 * Cooperative threads. Every thread is on one list; schedule() runs the next runnable one
 * after the current, round robin, or the idle thread (the boot thread) when none is. The idle
 * thread wakes threads whose deadlines have passed, arms the vCPU timer for the earliest
 * remaining deadline and halts with interrupts enabled until an event comes. Handlers only
 * change thread states; they never switch threads.
 */
#include <pv/arch.h>
#include <pv/mm.h>
#include <pv/sched.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK_ORDER 2 /* 16 KiB stacks */

enum thread_state { RUNNABLE, BLOCKED, DEAD };

struct thread {
	char name[24];
	unsigned long sp; /* saved by switch_context */
	void *stack;
	enum thread_state state;
	s_time_t wake_at; /* 0: no deadline */
	struct thread *next;
};

void switch_context(unsigned long *from_sp, unsigned long to_sp); /* entry.S */
void thread_start(void);                                          /* below */

static struct thread idle_thread = {.name = "idle", .state = RUNNABLE};
static struct thread *threads = &idle_thread; /* idle first */
static struct thread *current = &idle_thread;
static bool started;

__asm__(".text\n"
	".globl thread_start\n"
	"thread_start:\n\t"
	"mov %r13, %rdi\n\t"
	"call *%r12\n\t"
	"call exit_thread\n");

void init_sched(void)
{
	started = true;
}

struct thread *current_thread(void)
{
	return current;
}

const char *thread_name(const struct thread *t)
{
	return t->name;
}

const char *current_thread_name(void)
{
	return started ? current->name : "boot";
}

struct thread *create_thread(const char *name, thread_fn fn, void *arg)
{
	struct thread *t = calloc(1, sizeof(*t));
	unsigned long *sp;

	if (!t)
		return NULL;
	t->stack = alloc_pages(STACK_ORDER);
	if (!t->stack) {
		free(t);
		return NULL;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	sp = (unsigned long *)((char *)t->stack + (PAGE_SIZE << STACK_ORDER) - 72);
	sp[0] = 0;                            /* r15 */
	sp[1] = 0;                            /* r14 */
	sp[2] = (unsigned long)arg;           /* r13 */
	sp[3] = (unsigned long)(uintptr_t)fn; /* r12 */
	sp[4] = 0;                            /* rbx */
	sp[5] = 0;                            /* rbp: ends backtraces */
	sp[6] = (unsigned long)(uintptr_t)thread_start;
	t->sp = (unsigned long)(uintptr_t)sp;
	t->state = RUNNABLE;

	unsigned long flags = local_irq_save();

	t->next = threads->next; /* after idle */
	threads->next = t;
	local_irq_restore(flags);
	return t;
}

void block(struct thread *t)
{
	unsigned long flags = local_irq_save();

	if (t->state == RUNNABLE)
		t->state = BLOCKED;
	local_irq_restore(flags);
}

void wake(struct thread *t)
{
	unsigned long flags = local_irq_save();

	if (t->state == BLOCKED) {
		t->state = RUNNABLE;
		t->wake_at = 0;
	}
	local_irq_restore(flags);
}

void thread_set_deadline(struct thread *t, s_time_t deadline)
{
	unsigned long flags = local_irq_save();

	if (t->state == BLOCKED)
		t->wake_at = deadline;
	local_irq_restore(flags);
}

/* Interrupts off. Wakes threads whose deadline passed; returns the earliest one left (0: none). */
static s_time_t wake_expired(void)
{
	s_time_t now = NOW(), earliest = 0;

	for (struct thread *t = threads; t; t = t->next) {
		if (t->state != BLOCKED || !t->wake_at)
			continue;
		if (t->wake_at <= now) {
			t->state = RUNNABLE;
			t->wake_at = 0;
		} else if (!earliest || t->wake_at < earliest) {
			earliest = t->wake_at;
		}
	}
	return earliest;
}

void schedule(void)
{
	unsigned long flags = local_irq_save();
	struct thread *prev = current, *next = NULL;

	wake_expired();
	/* Round robin: the threads after prev, then those before it; idle last of all. */
	for (struct thread *t = prev->next; t && !next; t = t->next)
		if (t->state == RUNNABLE && t != &idle_thread)
			next = t;
	for (struct thread *t = threads; t != prev && t && !next; t = t->next)
		if (t->state == RUNNABLE && t != &idle_thread)
			next = t;
	if (!next)
		next = prev->state == RUNNABLE ? prev : &idle_thread;
	if (next == prev && prev->state != RUNNABLE) {
		/* The idle thread itself waits (only during boot): halt until something happens. */
		s_time_t deadline = wake_expired();

		if (prev->state != RUNNABLE) {
			if (deadline)
				timer_arm(deadline);
			safe_halt();
			local_irq_disable();
			prev->state = RUNNABLE; /* it re-checks its condition */
			prev->wake_at = 0;
		}
	}
	if (next != prev) {
		current = next;
		switch_context(&prev->sp, next->sp);
	}
	local_irq_restore(flags);
}

void yield(void)
{
	schedule();
}

void sleep_until(s_time_t deadline)
{
	unsigned long flags = local_irq_save();

	current->state = BLOCKED;
	current->wake_at = deadline ? deadline : 1;
	local_irq_restore(flags);
	schedule();
}

void msleep(uint32_t ms)
{
	sleep_until(NOW() + MILLISECS(ms));
}

void exit_thread(void)
{
	local_irq_disable();
	current->state = DEAD;
	schedule();
	panic("a dead thread was scheduled");
}

/* Frees the threads that exited (their stacks are not in use: they never run again). */
static void reap(void)
{
	unsigned long flags = local_irq_save();

	for (struct thread *prev = threads, *t = threads->next; t; t = prev->next) {
		if (t->state != DEAD) {
			prev = t;
			continue;
		}
		prev->next = t->next;
		free_pages(t->stack, STACK_ORDER);
		free(t);
	}
	local_irq_restore(flags);
}

void run_idle_thread(void)
{
	for (;;) {
		reap();
		schedule(); /* runs everything runnable; back here when nothing is */
		local_irq_disable();
		s_time_t next = wake_expired();
		bool runnable = false;

		for (struct thread *t = threads->next; t; t = t->next)
			runnable |= t->state == RUNNABLE;
		if (runnable) {
			local_irq_enable();
			continue;
		}
		if (next)
			timer_arm(next);
		safe_halt(); /* sti; hlt: an event or the timer ends it */
	}
}

void wq_add(struct wait_queue *wq, struct waiter *w)
{
	unsigned long flags = local_irq_save();

	w->next = wq->head;
	wq->head = w;
	local_irq_restore(flags);
}

void wq_remove(struct wait_queue *wq, struct waiter *w)
{
	unsigned long flags = local_irq_save();

	for (struct waiter **p = &wq->head; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	local_irq_restore(flags);
}

void wake_up(struct wait_queue *wq)
{
	unsigned long flags = local_irq_save();

	for (struct waiter *w = wq->head; w; w = w->next)
		wake(w->thread);
	local_irq_restore(flags);
}

unsigned int thread_list(char *buf, size_t size)
{
	static const char *const states[] = {"runnable", "blocked", "dead"};
	unsigned int n = 0;
	size_t used = 0;

	for (struct thread *t = threads; t; t = t->next, n++) {
		int w = snprintf(buf + used, size > used ? size - used : 0, "%-16s %s%s\n", t->name, states[t->state],
				 t == current ? " (current)" : "");
		if (w > 0)
			used += (size_t)w;
	}
	return n;
}
