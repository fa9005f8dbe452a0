/* A program that does nothing: built static, or linked with an allocator,
 * to test what allocsel does with programs a preload cannot reach. */
int main(void)
{
        return 0;
}
