/* The smallest static program: exits 0 (bench/proc.c execs it). */
int main(void)
{
	return 0;
}
